import { createContext, useContext } from "react";

/** Applies a code block from an answer to a file; absent where applying makes no sense (e.g. previews). */
export type ApplyCode = (code: string, language: string) => void;

export const ApplyCodeContext = createContext<ApplyCode | null>(null);

export const useApplyCode = () => useContext(ApplyCodeContext);

import type { CaseSuite } from "../harness";
import { accessCases } from "./access";
import { changeCases } from "./changes";
import { chatCases } from "./chat";
import { fileCases } from "./files";
import { idempotencyCases } from "./idempotency";
import { listingCases } from "./listing";
import { projectCases } from "./projects";
import { scaleCases } from "./scale";
import { searchCases } from "./search";
import { transferCases } from "./transfers";
import { trashCases } from "./trash";
import { uploadCases } from "./uploads";

export const allSuites: Record<string, CaseSuite> = {
  projects: projectCases,
  files: fileCases,
  listing: listingCases,
  chat: chatCases,
  idempotency: idempotencyCases,
  access: accessCases,
  trash: trashCases,
  scale: scaleCases,
  search: searchCases,
  changes: changeCases,
  uploads: uploadCases,
  transfers: transferCases,
};

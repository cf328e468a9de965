/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npm run codegen` (or `npx convex dev` against Convex cloud).
 * @module
 */

import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as ai_chat from "../ai/chat.js";
import type * as ai_context from "../ai/context.js";
import type * as ai_data from "../ai/data.js";
import type * as ai_editorAi from "../ai/editorAi.js";
import type * as ai_lib from "../ai/lib.js";
import type * as ai_listFiles from "../ai/listFiles.js";
import type * as ai_paths from "../ai/paths.js";
import type * as ai_provider from "../ai/provider.js";
import type * as ai_quickEdit from "../ai/quickEdit.js";
import type * as ai_searchFiles from "../ai/searchFiles.js";
import type * as ai_status from "../ai/status.js";
import type * as ai_stream from "../ai/stream.js";
import type * as ai_suggest from "../ai/suggest.js";
import type * as ai_tools from "../ai/tools.js";
import type * as audit from "../audit.js";
import type * as changes from "../changes.js";
import type * as clientOps from "../clientOps.js";
import type * as conversations from "../conversations.js";
import type * as credentials from "../credentials.js";
import type * as crons from "../crons.js";
import type * as files from "../files.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_gitUrl from "../lib/gitUrl.js";
import type * as lib_importCheck from "../lib/importCheck.js";
import type * as lib_limits from "../lib/limits.js";
import type * as lib_lineDiff from "../lib/lineDiff.js";
import type * as lib_listing from "../lib/listing.js";
import type * as lib_runCommands from "../lib/runCommands.js";
import type * as lib_search from "../lib/search.js";
import type * as lib_text from "../lib/text.js";
import type * as lib_uploadHash from "../lib/uploadHash.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_zip from "../lib/zip.js";
import type * as lib_zipName from "../lib/zipName.js";
import type * as messages from "../messages.js";
import type * as migrations from "../migrations.js";
import type * as model_access from "../model/access.js";
import type * as model_backfill from "../model/backfill.js";
import type * as model_budget from "../model/budget.js";
import type * as model_changeOps from "../model/changeOps.js";
import type * as model_changes from "../model/changes.js";
import type * as model_conversations from "../model/conversations.js";
import type * as model_createMany from "../model/createMany.js";
import type * as model_filePath from "../model/filePath.js";
import type * as model_files from "../model/files.js";
import type * as model_idempotency from "../model/idempotency.js";
import type * as model_listing from "../model/listing.js";
import type * as model_messages from "../model/messages.js";
import type * as model_names from "../model/names.js";
import type * as model_projects from "../model/projects.js";
import type * as model_purge from "../model/purge.js";
import type * as model_search from "../model/search.js";
import type * as model_storage from "../model/storage.js";
import type * as model_transfers from "../model/transfers.js";
import type * as model_trash from "../model/trash.js";
import type * as model_uploads from "../model/uploads.js";
import type * as projects from "../projects.js";
import type * as search from "../search.js";
import type * as transfer_clerk from "../transfer/clerk.js";
import type * as transfer_git from "../transfer/git.js";
import type * as transfer_github from "../transfer/github.js";
import type * as transfer_http from "../transfer/http.js";
import type * as transfer_memoryFs from "../transfer/memoryFs.js";
import type * as transfer_pack from "../transfer/pack.js";
import type * as transfer_testHook from "../transfer/testHook.js";
import type * as transferRun from "../transferRun.js";
import type * as transfers from "../transfers.js";
import type * as trash from "../trash.js";
import type * as uploads from "../uploads.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "ai/chat": typeof ai_chat;
  "ai/context": typeof ai_context;
  "ai/data": typeof ai_data;
  "ai/editorAi": typeof ai_editorAi;
  "ai/lib": typeof ai_lib;
  "ai/listFiles": typeof ai_listFiles;
  "ai/paths": typeof ai_paths;
  "ai/provider": typeof ai_provider;
  "ai/quickEdit": typeof ai_quickEdit;
  "ai/searchFiles": typeof ai_searchFiles;
  "ai/status": typeof ai_status;
  "ai/stream": typeof ai_stream;
  "ai/suggest": typeof ai_suggest;
  "ai/tools": typeof ai_tools;
  "audit": typeof audit;
  "changes": typeof changes;
  "clientOps": typeof clientOps;
  "conversations": typeof conversations;
  "credentials": typeof credentials;
  "crons": typeof crons;
  "files": typeof files;
  "lib/errors": typeof lib_errors;
  "lib/gitUrl": typeof lib_gitUrl;
  "lib/importCheck": typeof lib_importCheck;
  "lib/limits": typeof lib_limits;
  "lib/lineDiff": typeof lib_lineDiff;
  "lib/listing": typeof lib_listing;
  "lib/runCommands": typeof lib_runCommands;
  "lib/search": typeof lib_search;
  "lib/text": typeof lib_text;
  "lib/uploadHash": typeof lib_uploadHash;
  "lib/validators": typeof lib_validators;
  "lib/zip": typeof lib_zip;
  "lib/zipName": typeof lib_zipName;
  "messages": typeof messages;
  "migrations": typeof migrations;
  "model/access": typeof model_access;
  "model/backfill": typeof model_backfill;
  "model/budget": typeof model_budget;
  "model/changeOps": typeof model_changeOps;
  "model/changes": typeof model_changes;
  "model/conversations": typeof model_conversations;
  "model/createMany": typeof model_createMany;
  "model/filePath": typeof model_filePath;
  "model/files": typeof model_files;
  "model/idempotency": typeof model_idempotency;
  "model/listing": typeof model_listing;
  "model/messages": typeof model_messages;
  "model/names": typeof model_names;
  "model/projects": typeof model_projects;
  "model/purge": typeof model_purge;
  "model/search": typeof model_search;
  "model/storage": typeof model_storage;
  "model/transfers": typeof model_transfers;
  "model/trash": typeof model_trash;
  "model/uploads": typeof model_uploads;
  "projects": typeof projects;
  "search": typeof search;
  "transfer/clerk": typeof transfer_clerk;
  "transfer/git": typeof transfer_git;
  "transfer/github": typeof transfer_github;
  "transfer/http": typeof transfer_http;
  "transfer/memoryFs": typeof transfer_memoryFs;
  "transfer/pack": typeof transfer_pack;
  "transfer/testHook": typeof transfer_testHook;
  "transferRun": typeof transferRun;
  "transfers": typeof transfers;
  "trash": typeof trash;
  "uploads": typeof uploads;
}>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;

// What a frontend writes against Plaza's contract, compiled in CI (`.ci/run`) against the types
// that openapi-typescript generates from openapi/openapi.yaml: a change of the spec that breaks
// this code (a renamed field, a field no longer nullable, a missing operation) fails the build.
// It is not shipped; it is the canary of every generated client.
import type { components, operations } from "./plaza-api";

type Problem = components["schemas"]["Problem"];
type JsonOf<R> = R extends { content: { "application/json; charset=utf-8": infer B } } ? B : never;

/** One line for a toast or a log: status, stable code, the fields at fault, the request id. */
export function describeProblem(problem: Problem): string {
  const fields = problem.errors.map((e) => `${e.field}: ${e.code}`).join(", ");
  return `${problem.status} ${problem.code}${fields ? ` (${fields})` : ""} [${problem.request_id ?? "-"}]`;
}

type ProblemCode = components["schemas"]["ProblemCode"];
type FieldCode = components["schemas"]["FieldCode"];

/** Codes are a list in the contract: a renamed or removed code fails this switch at compile time. */
export function worthRetrying(code: ProblemCode): boolean {
  switch (code) {
    case "busy":
    case "service_unavailable":
    case "rate_limited":
    case "idempotency_key_in_use":
      return true;
    default:
      return false;
  }
}

/** The fields a sign-up form marks as taken. */
export function takenFields(problem: Problem): string[] {
  const taken: FieldCode = "already_taken";
  return problem.errors.filter((e) => e.code === taken).map((e) => e.field);
}

/** A signed-out resident: 401 with `unauthenticated` and no field errors. */
export const signedOut: Problem = {
  type: "urn:plaza:problem:unauthenticated",
  title: "Authentication required",
  status: 401,
  detail: "Send a valid access token in the Authorization header (Bearer).",
  code: "unauthenticated",
  errors: [],
};

type ProcessPage = JsonOf<operations["list_processes"]["responses"][200]>;
type Process = ProcessPage["items"][number];

export function nextPageQuery(page: ProcessPage, sort: "oldest" | "newest"): string | null {
  const query: NonNullable<operations["list_processes"]["parameters"]["query"]> = { sort, limit: 20 };
  return page.next_cursor ? `?sort=${query.sort}&limit=${query.limit}&cursor=${page.next_cursor}` : null;
}

/** The phase a process page highlights: the active one, or none between phases. */
export function activePhaseTitle(process: Process): string | null {
  return process.active_phase == null ? null : (process.phases[process.active_phase]?.title_text ?? null);
}

type Organization = JsonOf<operations["get_organization"]["responses"][200]>;

/** Phase times are instants; a frontend shows them in the organization's zone. */
export function localTime(organization: Organization, instant: string): string {
  return new Date(instant).toLocaleString(organization.default_locale, { timeZone: organization.time_zone });
}

/** A retried verification sends its Idempotency-Key; a refusal names its fields. */
export function verificationHeaders(key: string): NonNullable<operations["create_verification"]["parameters"]["header"]> {
  return { "Idempotency-Key": key, "Accept-Language": "ca" };
}

type ProcessChange = components["schemas"]["UpdateProcessBody"];
/** PATCH with null clears: unpin a process and make it city-wide. */
export const unpinAndWiden: ProcessChange = { pinned_phase: null, scope_id: null };

/** An admin's change is made on the version read: its ETag goes back in If-Match (412 if stale). */
export function changeOfVersion(etag: string): NonNullable<operations["update_process"]["parameters"]["header"]> {
  return { "If-Match": etag };
}

/** A stale version is a 412 with its own code, to read the process again. */
export function isStale(problem: Problem): boolean {
  return problem.status === 412 && problem.code === "precondition_failed";
}

type ProposalPage = JsonOf<operations["list_proposals"]["responses"][200]>;
type Proposal = ProposalPage["items"][number];

/** A resident's list keeps its shuffle: the seed goes with every page, the cursor with the next. */
export function proposalsQuery(seed: number, page: ProposalPage | null): NonNullable<operations["list_proposals"]["parameters"]["query"]> {
  return { sort: "random", seed, limit: 20, ...(page?.next_cursor ? { cursor: page.next_cursor } : {}) };
}

/** The support button shows what the server says, never a permission computed here. */
export function supportButton(proposal: Proposal): "hidden" | "supported" | "support" | "closed" {
  if (proposal.can_support == null) return "hidden";
  if (proposal.supported_by_me) return "supported";
  return proposal.can_support ? "support" : "closed";
}

/** A retried support sends its Idempotency-Key; a second support is a conflict with its own code. */
export function supportHeaders(key: string): NonNullable<operations["create_support"]["parameters"]["header"]> {
  return { "Idempotency-Key": key };
}

export function alreadySupported(problem: Problem): boolean {
  return problem.status === 409 && problem.code === "already_supported";
}

type Thread = JsonOf<operations["list_proposal_comments"]["responses"][200]>["items"][number];

/** A thread renders its replies in order, indented by depth; a deleted comment is a placeholder. */
export function threadLines(thread: Thread): string[] {
  return [thread.comment, ...thread.replies].map(
    (c) => `${"  ".repeat(c.depth)}${c.deleted_at ? "(deleted)" : `${c.author?.name ?? "?"}: ${c.body ?? ""}`}`,
  );
}

type Vote = components["schemas"]["VoteBody"];
export const upVote: Vote = { vote: "up" };

type Notification = JsonOf<operations["list_notifications"]["responses"][200]>["items"][number];

/** What a notification says, by kind (a new kind fails this switch at compile time). */
export function notificationText(notification: Notification): string {
  switch (notification.kind) {
    case "proposal_answered":
      return `Your proposal was answered: ${notification.subject_id}`;
  }
}

// Package auth turns the platform's bearer tokens into a command.Actor and
// mints such tokens for the CLI, tests and the load generator.
//
// Tokens are HS256 JWTs signed with one shared secret. Two claim layouts are
// understood: the platform's nested one (a "user" object carrying id,
// organization_id, org_role, user_permissions and org_permissions) and a flat
// one (top-level organization_id, org_role, and permissions or scope). Every
// refusal is reported as ErrInvalidToken so the HTTP edge can map it to 401
// without knowing why; the wrapped detail is for logs and never contains the
// token.
package auth

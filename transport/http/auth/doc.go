// Package auth turns the platform's bearer tokens into a domain.Principal and
// mints such tokens for the CLI, tests and the load generator.
//
// Two kinds of token are accepted, each only when configured: HS256 JWTs
// signed with one shared secret (what Mint produces), and tokens of an OIDC
// provider such as Logto, signed with RS256, ES256, ES384 or EdDSA by a key
// its JWKS names by kid. The key's type always decides the algorithm, never
// the token alone, so neither "none" nor a public key used as an HMAC secret
// gets through. The key set is fetched in the background and again, at most
// once per interval, when a token names a kid not yet seen. It must be served
// over https, redirects are not followed, an issuer and an audience are
// required with it, and its keys stop being trusted when it could not be
// refreshed for JWKSMaxStaleness.
//
// Two claim layouts are understood: the platform's nested one (a "user"
// object carrying id, organization_id, org_role, user_permissions and
// org_permissions) and a flat one (top-level organization_id, org_role, and
// permissions or scope). Every refusal is reported as ErrInvalidToken so the
// HTTP edge can map it to 401 without knowing why; the wrapped detail is for
// logs and never contains the token or key material.
package auth

// The claims of a token from Clerk's "convex" JWT template, as Clerk's Convex integration sets it up: Clerk's
// default claims (iss = the Frontend API URL, which is CLERK_JWT_ISSUER_DOMAIN; sub = the Clerk user id; azp, sid,
// jti, iat, nbf, exp with a 60-second lifetime) plus the template's aud "convex" and OIDC profile claims.
// Shared by the local backend's test (signed by a loopback issuer) and convex-test's (as an identity).

export interface ClerkUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  username?: string;
}

export function clerkConvexTemplateClaims(issuer: string, user: ClerkUser, nowSeconds = Math.floor(Date.now() / 1000)) {
  return {
    azp: "http://localhost:5173",
    exp: nowSeconds + 60,
    iat: nowSeconds,
    iss: issuer,
    jti: `jti_${user.id}_${nowSeconds}`,
    nbf: nowSeconds - 5,
    sid: `sess_${user.id}`,
    sub: user.id,
    aud: "convex",
    name: `${user.firstName} ${user.lastName}`,
    given_name: user.firstName,
    family_name: user.lastName,
    nickname: user.username ?? null,
    email: user.email,
    email_verified: true,
    picture: `https://img.clerk.com/${user.id}.png`,
    phone_number: null,
    phone_number_verified: false,
    updated_at: nowSeconds - 3600,
  };
}

export const ADA: ClerkUser = { id: "user_2aDaLoVeLaCe0000000000000", firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", username: "ada" };
export const GRACE: ClerkUser = { id: "user_2gRaCeHoPpEr000000000000", firstName: "Grace", lastName: "Hopper", email: "grace@example.com" };

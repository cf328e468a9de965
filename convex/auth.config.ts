// Identity providers whose JWTs Convex accepts. Clerk in production (its Frontend API URL as the issuer);
// the local backend's development issuer only when POLARIS_LOCAL_AUTH_ISSUER is set, which the embedded
// backend does for itself and Convex cloud never does unless you set it.
const providers: { domain: string; applicationID: string }[] = [];
if (process.env.CLERK_JWT_ISSUER_DOMAIN) {
  providers.push({ domain: process.env.CLERK_JWT_ISSUER_DOMAIN, applicationID: "convex" });
}
if (process.env.POLARIS_LOCAL_AUTH_ISSUER) {
  providers.push({ domain: process.env.POLARIS_LOCAL_AUTH_ISSUER, applicationID: "convex" });
}

export default { providers };

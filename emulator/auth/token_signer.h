// TokenSigner: the emulator's RSA key, the OIDC ID tokens it signs for tasks (RS256 JWTs),
// the JWKS that lets a worker verify them offline, and the opaque OAuth access tokens.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/model.h"
#include "core/pusher.h"
#include "core/status.h"

namespace cte::auth {

struct TokenSignerOptions {
  // PEM file of the RSA private key. Created (2048 bits, user-only permissions) when missing;
  // empty keeps a new key in memory only.
  std::string key_path;
  std::string issuer = "https://accounts.google.com";
};

// Thread-safe after construction.
class TokenSigner {
 public:
  // INTERNAL when the key file cannot be read, parsed or written.
  static core::Result<std::unique_ptr<TokenSigner>> Create(const TokenSignerOptions& options,
                                                           const core::Clock& clock);
  ~TokenSigner();

  // The bearer token for a task's request: a signed ID token for an oidcToken (audience: the
  // token's audience, else the request's URL), an opaque access token for an oauthToken, ""
  // otherwise.
  std::string TokenFor(const core::TokenRequest& request) const;

  // An ID token with these claims: iss, aud, azp, sub, email, email_verified, iat, exp (1 h).
  std::string SignIdToken(const std::string& email, const std::string& audience) const;

  // {"keys":[{kty, alg, use, kid, n, e}]}.
  std::string JwksJson() const;
  // The OpenID discovery document; `base_url` is where the emulator serves the JWKS.
  std::string DiscoveryJson(const std::string& base_url) const;

 private:
  struct Key;
  TokenSigner(std::unique_ptr<Key> key, TokenSignerOptions options, const core::Clock& clock);

  std::unique_ptr<Key> key_;
  TokenSignerOptions options_;
  const core::Clock& clock_;
  std::string kid_;
  std::string n_, e_;  // Base64url public key parts.
};

}  // namespace cte::auth

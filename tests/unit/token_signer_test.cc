#include "auth/token_signer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/base64.h"
#include "support/temp_dir.h"

using namespace cte;
using namespace std::chrono;
using nlohmann::json;

namespace {

// 2026-01-02T03:04:05Z: 2026-01-01 is day 20454 since the epoch (56 years, 14 of them leap),
// so 20455 * 86400 + 3 * 3600 + 4 * 60 + 5 = 1'767'323'045 s.
constexpr int64_t kStartSeconds = 1'767'323'045;

core::ManualClock& TestClock() {
  static core::ManualClock clock(sys_days(year(2026) / 1 / 2) + hours(3) + minutes(4) + seconds(5));
  return clock;
}

// One in-memory key for the tests that do not look at key files: RSA key generation is slow.
const auth::TokenSigner& Signer() {
  static std::unique_ptr<auth::TokenSigner> signer = [] {
    auto created = auth::TokenSigner::Create({}, TestClock());
    REQUIRE(created.ok());
    return std::move(*created);
  }();
  return *signer;
}

bool IsBase64Url(const std::string& s) {
  return !s.empty() && s.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789-_") == std::string::npos;
}

struct Jwt {
  std::string header_b64, claims_b64, signature_b64;
  json header, claims;
  std::string signature;
};

// Splits a compact JWS into its three base64url parts and decodes them.
Jwt SplitJwt(const std::string& token) {
  Jwt jwt;
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  REQUIRE(dot1 != std::string::npos);
  REQUIRE(dot2 != std::string::npos);
  REQUIRE(token.find('.', dot2 + 1) == std::string::npos);
  jwt.header_b64 = token.substr(0, dot1);
  jwt.claims_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  jwt.signature_b64 = token.substr(dot2 + 1);
  for (const std::string* part : {&jwt.header_b64, &jwt.claims_b64, &jwt.signature_b64}) {
    CHECK(IsBase64Url(*part));  // URL-safe alphabet, no padding (RFC 7515).
  }
  jwt.header = json::parse(*core::Base64Decode(jwt.header_b64));
  jwt.claims = json::parse(*core::Base64Decode(jwt.claims_b64));
  jwt.signature = *core::Base64Decode(jwt.signature_b64);
  return jwt;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The RSA public key of the JWKS entry, built from n and e with OpenSSL 3's EVP_PKEY_fromdata.
Pkey PublicKeyFromJwk(const json& jwk) {
  std::string n = *core::Base64Decode(jwk.at("n").get<std::string>());
  std::string e = *core::Base64Decode(jwk.at("e").get<std::string>());
  auto bn = [](const std::string& bytes) {
    return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr);
  };
  BIGNUM* bn_n = bn(n);
  BIGNUM* bn_e = bn(e);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  REQUIRE(ok);
  return Pkey(key);
}

// Whether `signature` is a valid RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `input`.
bool VerifyRs256(EVP_PKEY* key, const std::string& input, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

json OnlyJwk(const auth::TokenSigner& signer) {
  json jwks = json::parse(signer.JwksJson());
  REQUIRE(jwks.at("keys").size() == 1);
  return jwks["keys"][0];
}

bool Verifies(const auth::TokenSigner& signer, const std::string& token) {
  Jwt jwt = SplitJwt(token);
  Pkey key = PublicKeyFromJwk(OnlyJwk(signer));
  return VerifyRs256(key.get(), jwt.header_b64 + "." + jwt.claims_b64, jwt.signature);
}

}  // namespace

TEST_CASE("the JWKS holds one RS256 signing key: 2048-bit n, e = 65537") {
  json jwk = OnlyJwk(Signer());
  CHECK(jwk.at("kty") == "RSA");
  CHECK(jwk.at("alg") == "RS256");
  CHECK(jwk.at("use") == "sig");
  CHECK(jwk.at("e") == "AQAB");  // 65537 = 0x010001.
  CHECK(IsBase64Url(jwk.at("kid").get<std::string>()));
  std::string n = *core::Base64Decode(jwk.at("n").get<std::string>());
  CHECK(n.size() == 256);
  CHECK((static_cast<unsigned char>(n[0]) & 0x80) != 0);
}

TEST_CASE("an ID token is an RS256 JWT whose kid names the JWKS key") {
  Jwt jwt = SplitJwt(Signer().SignIdToken("worker@p.iam.gserviceaccount.com", "https://w/run"));
  CHECK(jwt.header.at("alg") == "RS256");
  CHECK(jwt.header.at("kid") == OnlyJwk(Signer()).at("kid"));
  CHECK(jwt.header.value("typ", "JWT") == "JWT");
  CHECK(jwt.signature.size() == 256);  // One RSA-2048 block.
}

TEST_CASE("ID token claims come from the arguments and the injected clock") {
  const std::string email = "worker@p.iam.gserviceaccount.com";
  int64_t start = duration_cast<seconds>(TestClock().Now().time_since_epoch()).count();
  REQUIRE(start >= kStartSeconds);  // Other tests may have advanced the shared clock.
  json claims = SplitJwt(Signer().SignIdToken(email, "https://w.example/handler")).claims;
  CHECK(claims.at("iss") == "https://accounts.google.com");
  CHECK(claims.at("aud") == "https://w.example/handler");
  CHECK(claims.at("email") == email);
  CHECK(claims.at("email_verified") == true);
  CHECK(claims.at("iat") == start);
  CHECK(claims.at("exp") == start + 3600);
  std::string sub = claims.at("sub");
  CHECK_FALSE(sub.empty());
  CHECK(sub.find_first_not_of("0123456789") == std::string::npos);  // Google's numeric form.
  CHECK(claims.at("azp") == sub);

  TestClock().Advance(seconds(90) + milliseconds(999));
  json later = SplitJwt(Signer().SignIdToken(email, "a")).claims;
  CHECK(later.at("iat") == start + 90);
  CHECK(later.at("exp") == start + 90 + 3600);
  CHECK(later.at("sub") == sub);  // Stable for one account,
  CHECK(SplitJwt(Signer().SignIdToken("other@p.iam.gserviceaccount.com", "a")).claims.at("sub") !=
        sub);  // different for another.
}

TEST_CASE("the ID token's signature verifies against the JWKS, and a changed token does not") {
  std::string token = Signer().SignIdToken("a@b.iam.gserviceaccount.com", "https://aud");
  CHECK(Verifies(Signer(), token));
  Jwt jwt = SplitJwt(token);
  Pkey key = PublicKeyFromJwk(OnlyJwk(Signer()));
  json forged = jwt.claims;
  forged["aud"] = "https://elsewhere";
  std::string forged_input = jwt.header_b64 + "." + core::Base64UrlEncode(forged.dump());
  CHECK_FALSE(VerifyRs256(key.get(), forged_input, jwt.signature));
  std::string flipped = jwt.signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  CHECK_FALSE(VerifyRs256(key.get(), jwt.header_b64 + "." + jwt.claims_b64, flipped));
}

TEST_CASE("TokenFor: an ID token for oidcToken, an opaque token for oauthToken, else nothing") {
  const std::string url = "https://worker.example/tasks?x=1";
  core::TokenRequest request;
  request.url = url;
  CHECK(Signer().TokenFor(request) == "");

  request.oidc_token = core::OidcToken{"sa@p.iam.gserviceaccount.com", "https://aud.example"};
  std::string with_audience = Signer().TokenFor(request);
  CHECK(Verifies(Signer(), with_audience));
  json claims = SplitJwt(with_audience).claims;
  CHECK(claims.at("aud") == "https://aud.example");
  CHECK(claims.at("email") == "sa@p.iam.gserviceaccount.com");

  request.oidc_token->audience = "";  // The audience defaults to the target URL (spec 6.4).
  CHECK(SplitJwt(Signer().TokenFor(request)).claims.at("aud") == url);
  request.url = "http://rewritten/";  // The URL the request goes to, after --rewrite.
  CHECK(SplitJwt(Signer().TokenFor(request)).claims.at("aud") == "http://rewritten/");

  request.oidc_token.reset();
  request.oauth_token = core::OAuthToken{"sa@p.iam.gserviceaccount.com", ""};
  std::string access = Signer().TokenFor(request);
  CHECK_FALSE(access.empty());
  CHECK(std::count(access.begin(), access.end(), '.') != 2);  // Opaque, not a JWT.
  CHECK(access.find_first_of(" \t\r\n") == std::string::npos);
  CHECK(Signer().TokenFor(request) != access);
}

TEST_CASE("the issuer option sets iss and the discovery document") {
  auth::TokenSignerOptions options;
  options.issuer = "http://127.0.0.1:8123";
  core::ManualClock clock{core::TimePoint(seconds(kStartSeconds))};
  auto signer = auth::TokenSigner::Create(options, clock);
  REQUIRE(signer.ok());
  json claims = SplitJwt((*signer)->SignIdToken("a@b", "aud")).claims;
  CHECK(claims.at("iss") == "http://127.0.0.1:8123");
  CHECK(claims.at("iat") == kStartSeconds);
  CHECK(claims.at("exp") == kStartSeconds + 3600);
  json discovery = json::parse((*signer)->DiscoveryJson("http://127.0.0.1:8123"));
  CHECK(discovery.at("issuer") == "http://127.0.0.1:8123");
}

TEST_CASE("the discovery document names the JWKS under the base URL") {
  for (std::string base : {"http://127.0.0.1:8123", "https://emulator.test:9443"}) {
    CAPTURE(base);
    json d = json::parse(Signer().DiscoveryJson(base));
    std::string jwks_uri = d.at("jwks_uri");
    CHECK(jwks_uri == base + "/oauth2/v3/certs");  // Where App serves JwksJson().
    CHECK(d.at("issuer") == "https://accounts.google.com");
    CHECK(d.at("id_token_signing_alg_values_supported") == json::array({"RS256"}));
  }
}

TEST_CASE("a key file is created user-only and the same key is loaded again") {
  testing::TempDir dir;
  std::string path = dir.File("oidc-key.pem");
  core::ManualClock clock{core::TimePoint(seconds(kStartSeconds))};
  auto first = auth::TokenSigner::Create({path, "https://accounts.google.com"}, clock);
  REQUIRE(first.ok());
  REQUIRE(std::filesystem::exists(path));
  namespace fs = std::filesystem;
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  std::string token = (*first)->SignIdToken("a@b", "aud");

  auto second = auth::TokenSigner::Create({path, "https://accounts.google.com"}, clock);
  REQUIRE(second.ok());
  CHECK(OnlyJwk(**second) == OnlyJwk(**first));  // Same kid, n and e.
  CHECK(Verifies(**second, token));              // Tokens from before a restart still verify.
}

TEST_CASE("a key file that cannot be parsed or written is INTERNAL") {
  testing::TempDir dir;
  core::ManualClock clock{core::TimePoint(seconds(kStartSeconds))};
  std::string garbage = dir.File("garbage.pem");
  std::ofstream(garbage) << "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  std::string empty = dir.File("empty.pem");
  std::ofstream{empty};
  for (const std::string& path : {garbage, empty}) {
    CAPTURE(path);
    auto signer = auth::TokenSigner::Create({path, "https://accounts.google.com"}, clock);
    REQUIRE_FALSE(signer.ok());
    CHECK(signer.status().code() == core::Code::kInternal);
  }
  auto unwritable = auth::TokenSigner::Create({dir.File("no/such/dir/key.pem"), ""}, clock);
  REQUIRE_FALSE(unwritable.ok());
  CHECK(unwritable.status().code() == core::Code::kInternal);
}

TEST_CASE("a key file's error says whether it was read or created, and why") {
  testing::TempDir dir;
  core::ManualClock clock{core::TimePoint(seconds(kStartSeconds))};
  std::string garbage = dir.File("garbage.pem");
  std::ofstream(garbage) << "not a key\n";
  std::string directory = dir.File("a-directory");
  std::filesystem::create_directory(directory);
  std::string missing = dir.File("no/such/dir/key.pem");
  const std::pair<std::string, std::string> cases[] = {
      {garbage, "cannot read the signing key " + garbage + ": not a PEM RSA private key"},
      {directory, "cannot read the signing key " + directory + ": Is a directory"},
      {missing, "cannot create the signing key " + missing + ": No such file or directory"},
  };
  for (const auto& [path, message] : cases) {
    CAPTURE(path);
    auto signer = auth::TokenSigner::Create({path, "https://accounts.google.com"}, clock);
    REQUIRE_FALSE(signer.ok());
    CHECK(signer.status().message() == message);
  }
}

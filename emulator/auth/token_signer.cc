#include "auth/token_signer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "core/base64.h"

namespace cte::auth {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string BignumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return "";
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return bytes;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

core::Result<PkeyPtr> ReadKey(const std::string& path, FILE* f) {
  struct stat st {};
  if (::fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    return core::Internal("cannot read the signing key " + path + ": " + std::strerror(EISDIR));
  }
  PkeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return core::Internal("cannot read the signing key " + path + ": not a PEM RSA private key");
  }
  return key;
}

// Reads the key at `path`; creates it when there is no such file (the only case that writes).
core::Result<PkeyPtr> LoadOrCreateKey(const std::string& path) {
  if (!path.empty()) {
    if (FILE* f = std::fopen(path.c_str(), "r")) return ReadKey(path, f);
    if (errno != ENOENT) {  // It is there, but cannot be read: permission denied...
      return core::Internal("cannot read the signing key " + path + ": " + std::strerror(errno));
    }
  }
  PkeyPtr key(EVP_RSA_gen(2048));
  if (!key) return core::Internal("cannot generate an RSA key");
  if (path.empty()) return key;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  FILE* f = fd < 0 ? nullptr : fdopen(fd, "w");
  if (f == nullptr) {
    return core::Internal("cannot create the signing key " + path + ": " + std::strerror(errno));
  }
  bool ok = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return core::Internal("cannot write the signing key " + path);
  return key;
}

}  // namespace

struct TokenSigner::Key {
  PkeyPtr pkey;
};

core::Result<std::unique_ptr<TokenSigner>> TokenSigner::Create(const TokenSignerOptions& options,
                                                               const core::Clock& clock) {
  auto key = LoadOrCreateKey(options.key_path);
  if (!key.ok()) return key.status();
  auto holder = std::make_unique<Key>();
  holder->pkey = std::move(*key);
  return std::unique_ptr<TokenSigner>(new TokenSigner(std::move(holder), options, clock));
}

TokenSigner::TokenSigner(std::unique_ptr<Key> key, TokenSignerOptions options,
                         const core::Clock& clock)
    : key_(std::move(key)), options_(std::move(options)), clock_(clock) {
  std::string n = BignumParam(key_->pkey.get(), OSSL_PKEY_PARAM_RSA_N);
  std::string e = BignumParam(key_->pkey.get(), OSSL_PKEY_PARAM_RSA_E);
  n_ = core::Base64UrlEncode(n);
  e_ = core::Base64UrlEncode(e);
  kid_ = core::Base64UrlEncode(Sha256(n + e).substr(0, 16));
}

TokenSigner::~TokenSigner() = default;

std::string TokenSigner::SignIdToken(const std::string& email, const std::string& audience) const {
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  uint64_t sub = 0;
  for (unsigned char c : Sha256(email).substr(0, 8)) sub = (sub << 8) | c;
  nlohmann::json header = {{"alg", "RS256"}, {"kid", kid_}, {"typ", "JWT"}};
  nlohmann::json claims = {{"iss", options_.issuer},
                           {"aud", audience},
                           {"azp", std::to_string(sub)},
                           {"sub", std::to_string(sub)},
                           {"email", email},
                           {"email_verified", true},
                           {"iat", now},
                           {"exp", now + 3600}};
  std::string signing_input =
      core::Base64UrlEncode(header.dump()) + "." + core::Base64UrlEncode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return "";
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return "";
  }
  signature.resize(length);
  return signing_input + "." + core::Base64UrlEncode(signature);
}

std::string TokenSigner::TokenFor(const core::TokenRequest& request) const {
  if (request.oidc_token) {
    const auto& t = *request.oidc_token;
    return SignIdToken(t.service_account_email, t.audience.empty() ? request.url : t.audience);
  }
  if (request.oauth_token) {
    unsigned char random[24];
    RAND_bytes(random, sizeof random);
    return "ya29.emulator-" +
           core::Base64UrlEncode(std::string(reinterpret_cast<char*>(random), sizeof random));
  }
  return "";
}

std::string TokenSigner::JwksJson() const {
  nlohmann::json key = {{"kty", "RSA"}, {"alg", "RS256"}, {"use", "sig"},
                        {"kid", kid_},  {"n", n_},        {"e", e_}};
  return nlohmann::json{{"keys", {key}}}.dump();
}

std::string TokenSigner::DiscoveryJson(const std::string& base_url) const {
  return nlohmann::json{
      {"issuer", options_.issuer},
      {"jwks_uri", base_url + "/oauth2/v3/certs"},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"response_types_supported", {"id_token"}},
      {"subject_types_supported", {"public"}},
      {"claims_supported", {"aud", "azp", "email", "email_verified", "exp", "iat", "iss", "sub"}}}
      .dump();
}

}  // namespace cte::auth

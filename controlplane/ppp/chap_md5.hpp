// CHAP with MD5 (RFC 1994 §2.2, §4.1): Response Value = MD5(Identifier || secret
// || Challenge Value), 16 octets.  For the owner of a ChapAuthenticator (local
// user database) and for ChapPeer.
//
// Thread: any; pure functions (Nettle MD5), no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/ppp/auth.hpp"

namespace lns::cp::ppp {

inline constexpr size_t kChapMd5ResponseLen = 16;
using ChapMd5Response = std::array<uint8_t, kChapMd5ResponseLen>;

ChapMd5Response chap_md5_response(uint8_t id, std::string_view secret,
                                  std::span<const uint8_t> challenge);

// True when `response` is MD5(id || secret || challenge); compared in constant time.
bool chap_md5_verify(uint8_t id, std::string_view secret, std::span<const uint8_t> challenge,
                     std::span<const uint8_t> response);
// The same for a CHAP-MD5 verify event (false for any other protocol).
bool chap_md5_verify(const VerifyRequest &req, std::string_view secret);

}  // namespace lns::cp::ppp

#include "controlplane/ppp/chap_md5.hpp"

#include <nettle/md5.h>
#include <nettle/memops.h>

namespace lns::cp::ppp {

ChapMd5Response chap_md5_response(uint8_t id, std::string_view secret,
                                  std::span<const uint8_t> challenge) {
    md5_ctx ctx;
    md5_init(&ctx);
    md5_update(&ctx, 1, &id);
    md5_update(&ctx, secret.size(), reinterpret_cast<const uint8_t *>(secret.data()));
    md5_update(&ctx, challenge.size(), challenge.data());
    ChapMd5Response out;
    md5_digest(&ctx, out.size(), out.data());
    return out;
}

bool chap_md5_verify(uint8_t id, std::string_view secret, std::span<const uint8_t> challenge,
                     std::span<const uint8_t> response) {
    if (response.size() != kChapMd5ResponseLen) return false;
    const ChapMd5Response want = chap_md5_response(id, secret, challenge);
    return memeql_sec(want.data(), response.data(), want.size()) != 0;
}

bool chap_md5_verify(const VerifyRequest &req, std::string_view secret) {
    if (req.protocol != AuthProtocol::chap_md5) return false;
    return chap_md5_verify(req.id, secret, req.challenge, req.response);
}

}  // namespace lns::cp::ppp

// CHAP engines (RFC 1994 §2, §4; MS-CHAPv2 per RFC 2759 §3-§6), PPP protocol
// C223, for CHAP-MD5 and MS-CHAPv2 (the `protocol` given at construction).
//
// ChapAuthenticator (lnsd): start() when LCP reaches Opened with CHAP negotiated.
//  - Sends a Challenge: identifier and value from AuthRandom (the identifier
//    then advances by one per new challenge), Name = AuthConfig::name; the same
//    packet is re-sent every restart_ns until a Response with its identifier
//    arrives, max_transmits times in all, then the link fails (timeout).
//  - A Response with that identifier becomes a verify event (credentials, our
//    challenge); the owner answers with verdict().  Success/Failure carry the
//    Response's identifier (§4.2).  A Response repeated while the verdict is
//    pending is dropped; one repeated after the verdict gets the same
//    Success/Failure again (§4.2: the peer's copy may have been lost).
//  - MS-CHAPv2 Success is "S=<authenticator response> M=<message>", Failure
//    "E=691 R=0 C=<challenge> V=3 M=<message>" unless the verdict gives its own.
//  - After a success, with rechallenge_ns set, a new Challenge goes out that much
//    later (§2 "at random intervals"); a failed or unanswered re-challenge, or
//    one answered under another name, fails the link (event with rechallenge set).
//  - timeout_ns bounds the first authentication as a whole (verdict included).
//
// ChapPeer (the emulator's client): start() with name and secret; answers each
// Challenge with a Response (MD5: §4.1; MS-CHAPv2: a fresh peer challenge and
// the NT-Response, §4), re-sends the same Response for a repeated Challenge,
// and checks the MS-CHAPv2 authenticator response in Success (§5): a wrong or
// missing one fails the link.  Answers re-challenges after success.  timeout_ns
// bounds start() to the first Success.
//
// Thread: any, one owner per engine (auth.hpp).  No allocation per packet: the
// authenticator copies the peer name and reply text once per verdict.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/chap_packet.hpp"
#include "controlplane/ppp/mschap.hpp"

namespace lns::cp::ppp {

inline constexpr unsigned kMsChapErrorAuthFailure = 691;  // RFC 2759 §6 ERROR_AUTHENTICATION_FAILURE

class ChapAuthenticator {
public:
    // `protocol` is chap_md5 or mschap_v2 (pap is treated as chap_md5).
    ChapAuthenticator(const AuthContext &ctx, AuthProtocol protocol);

    // Authentication phase begins: first Challenge.
    void start(uint64_t now);
    // A CHAP information field (protocol C223) from the peer.
    void on_packet(std::span<const uint8_t> info, uint64_t now);
    // The owner's answer to the verify event with the same ticket; otherwise
    // (closed, stale ticket, nothing pending) ignored and counted.
    void verdict(const AuthVerdict &v, uint64_t now);
    void on_timer(uint64_t now);
    uint64_t next_deadline() const;  // UINT64_MAX: none
    // LCP left Opened: no more timers, packets or verdicts are acted on.
    void close();

    AuthState state() const { return state_; }
    AuthProtocol protocol() const { return protocol_; }
    std::string_view peer_name() const { return name_; }
    uint8_t id() const { return id_; }  // identifier of the current challenge
    std::span<const uint8_t> challenge() const { return {challenge_.data(), challenge_len_}; }
    bool authenticated() const { return authenticated_; }  // a success was reported

private:
    void new_challenge(uint64_t now);
    void transmit_challenge(uint64_t now);
    void handle_response(const ControlPacket &p, uint64_t now);
    bool check_value(std::span<const uint8_t> value);
    void request_verify(const ControlPacket &p, const ChapValue &v);
    void set_failure_reply(std::string_view message, std::string_view mschap_error);
    void send_status();
    void finish(bool accept, AuthFailure why, uint64_t now);

    AuthContext ctx_;
    AuthProtocol protocol_;
    AuthState state_ = AuthState::initial;
    bool authenticated_ = false;  // first success reported: later rounds are re-challenges
    bool accepted_ = false;       // the last Success/Failure sent was a Success
    uint8_t id_ = 0;
    uint8_t challenge_len_ = 0;
    uint8_t transmits_ = 0;
    uint32_t ticket_ = 0;
    uint64_t deadline_ = UINT64_MAX;  // retransmission or re-challenge
    uint64_t give_up_at_ = UINT64_MAX;  // timeout_ns of the first authentication
    std::array<uint8_t, kMaxChallenge> challenge_{};
    std::string name_;   // the peer's name (being verified, then authenticated)
    std::string reply_;  // Success/Failure message, re-sent for a repeated Response
};

class ChapPeer {
public:
    ChapPeer(const AuthContext &ctx, AuthProtocol protocol);

    // Waits for a Challenge; name and secret are copied (cut to 255 octets).
    void start(std::string_view name, std::string_view secret, uint64_t now);
    void on_packet(std::span<const uint8_t> info, uint64_t now);
    void on_timer(uint64_t now);
    uint64_t next_deadline() const { return give_up_at_; }
    void close();

    AuthState state() const { return state_; }
    uint8_t id() const { return id_; }  // identifier of the last Challenge answered

private:
    void handle_challenge(const ControlPacket &p);
    void compute_response(uint8_t id, std::span<const uint8_t> challenge);
    void send_response();
    void handle_status(const ControlPacket &p);
    void finish(bool accept, AuthFailure why, std::string_view message);

    AuthContext ctx_;
    AuthProtocol protocol_;
    AuthState state_ = AuthState::initial;
    bool rechallenge_ = false;  // answering a challenge after a success
    uint8_t id_ = 0;
    uint8_t value_len_ = 0;
    uint64_t give_up_at_ = UINT64_MAX;
    std::array<uint8_t, kMsChapV2ValueLen> value_{};     // our last Response value
    AuthenticatorResponse expected_{};                    // MS-CHAPv2: "S=..." we expect
    std::string name_, secret_;
};

}  // namespace lns::cp::ppp

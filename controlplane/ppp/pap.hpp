// PAP, the Password Authentication Protocol (RFC 1334 §2), PPP protocol C023:
// the packet codec and the two engines.
//
// PapAuthenticator (lnsd): start() when LCP reaches Opened with PAP negotiated;
// it waits for an Authenticate-Request, reports it as a verify event and answers
// Authenticate-Ack or -Nak when the owner gives its verdict; AuthConfig::timeout_ns
// bounds the whole (a verdict still pending then is answered with a Nak).  The reply goes to the Identifier of the latest request (the
// peer changes it on every retransmission, §2.2.1); a request retransmitted
// after the reply gets the same reply again with its own Identifier.  A Nak is
// reported as a failure: the owner should terminate the link (§2.2.2).
//
// PapPeer (the emulator's client): start() sends Authenticate-Request and
// re-sends it with a new Identifier every restart_ns, max_transmits times, until
// an Ack or Nak for any of them arrives (§2.2.1); overall bound timeout_ns.
//
// Thread: any, one owner per engine (auth.hpp).  No allocation per packet: the
// authenticator copies the peer name and reply text once per authentication,
// the peer its credentials once per start().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

enum class PapCode : uint8_t {
    AuthenticateRequest = 1,
    AuthenticateAck = 2,
    AuthenticateNak = 3,
};

struct PapRequest {
    std::string_view user;      // Peer-ID
    std::string_view password;  // Password
};

// Authenticate-Request body (§2.2.1): Peer-ID Length, Peer-ID, Passwd-Length,
// Password; octets after the password are ignored.  Views point into `p`.
AuthError parse_pap_request(const ControlPacket &p, PapRequest *out);
// Authenticate-Ack/Nak body (§2.2.2): Msg-Length, Message.  A packet with no
// Msg-Length octet at all reads as an empty message.
AuthError parse_pap_reply(const ControlPacket &p, std::string_view *message);

// Builders into `w` (begun here); fields longer than 255 octets are cut to 255.
// The result is valid until `w` is reused.
std::span<const uint8_t> build_pap_request(PacketWriter &w, uint8_t id, std::string_view user,
                                           std::string_view password);
std::span<const uint8_t> build_pap_reply(PacketWriter &w, PapCode code, uint8_t id,
                                         std::string_view message);

class PapAuthenticator {
public:
    explicit PapAuthenticator(const AuthContext &ctx) : ctx_(ctx) {}

    // Authentication phase begins: wait for an Authenticate-Request.
    void start(uint64_t now);
    // A PAP information field (protocol C023) from the peer.
    void on_packet(std::span<const uint8_t> info, uint64_t now);
    // The owner's answer to the verify event with the same ticket; otherwise
    // (closed, stale ticket, nothing pending) ignored and counted.
    void verdict(const AuthVerdict &v, uint64_t now);
    void on_timer(uint64_t now);
    uint64_t next_deadline() const { return deadline_; }  // UINT64_MAX: none
    // LCP left Opened: no more timers, packets or verdicts are acted on.
    void close();

    AuthState state() const { return state_; }
    std::string_view peer_name() const { return name_; }

private:
    void handle_request(const ControlPacket &p);
    void send_reply(uint8_t id);
    void emit_result(bool accept, AuthFailure why);

    AuthContext ctx_;
    AuthState state_ = AuthState::initial;
    bool accepted_ = false;
    uint8_t reply_id_ = 0;  // Identifier of the latest Authenticate-Request
    uint32_t ticket_ = 0;
    uint64_t deadline_ = UINT64_MAX;
    std::string name_;   // Peer-ID of the request being verified / verified
    std::string reply_;  // message of our Ack/Nak, re-sent for retransmitted requests
};

class PapPeer {
public:
    explicit PapPeer(const AuthContext &ctx) : ctx_(ctx) {}

    // Sends the first Authenticate-Request (credentials are copied; each is cut
    // to 255 octets).
    void start(std::string_view user, std::string_view password, uint64_t now);
    void on_packet(std::span<const uint8_t> info, uint64_t now);
    void on_timer(uint64_t now);
    uint64_t next_deadline() const;
    void close();

    AuthState state() const { return state_; }
    uint8_t last_id() const { return id_; }

private:
    void send_request(uint64_t now);
    void finish(bool accept, AuthFailure why, std::string_view message);

    AuthContext ctx_;
    AuthState state_ = AuthState::initial;
    uint8_t first_id_ = 0;  // Identifiers first_id_..id_ are outstanding
    uint8_t id_ = 0;
    unsigned transmits_ = 0;
    uint64_t retransmit_at_ = UINT64_MAX;
    uint64_t give_up_at_ = UINT64_MAX;
    std::string user_, password_;
};

}  // namespace lns::cp::ppp

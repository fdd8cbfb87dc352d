// The IP Control Protocol engine (RFC 1332) with the DNS/NBNS options of RFC 1877:
// the automaton (fsm.hpp) with IPCP's options (ipcp.cpp, one class per option):
// IP-Address (3), Primary/Secondary DNS (129/131), Primary/Secondary NBNS (130/132).
// Anything else is Rejected, IP-Compression-Protocol (2, Van Jacobson) and the
// deprecated IP-Addresses (1) included.  IPCP has codes 1-7 only (others: Code-Reject).
//
// Roles are policy (IpcpConfig):
//   LNS (IpcpConfig::lns()): we send our own address (set_local_address) and give
//     the peer the address and servers of set_assignment(): a peer asking for
//     another address (0.0.0.0 usually) gets a Nak with the assigned one, one that
//     leaves the option out gets it hinted in a Nak (RFC 1332 §3.3); DNS/NBNS asked
//     for are Nak'd to the assigned values, Rejected when we have none.
//   Client (IpcpConfig::client()): we request 0.0.0.0 and DNS 0.0.0.0 and take the
//     values the peer Naks; the peer's own address is acked whatever it is (non-zero).
//     Without an address (Rejected, or acked as 0.0.0.0) IPCP closes (Reason::no_address).
// Addresses are IPv4 in host order.
//
// Composition: create with the session, open() when the session starts, up() when
// LCP is opened and authentication succeeded, down() when LCP goes down,
// protocol_rejected() when LCP reports the peer rejected IPCP, set_peer_mru() with
// LCP's result().peer_mru.  Notice up: result() has the addresses.
//
// Thread: any; one owner per engine.  About 120 bytes per session; no allocation.
#pragma once

#include <cstdint>
#include <span>

#include "controlplane/ppp/fsm.hpp"
#include "controlplane/ppp/option.hpp"

namespace lns::cp::ppp {

namespace ipcp_opt {
inline constexpr uint8_t kIpAddresses = 1;  // deprecated (RFC 1332 §3.1): Rejected
inline constexpr uint8_t kIpCompression = 2;  // Van Jacobson: Rejected
inline constexpr uint8_t kIpAddress = 3;
inline constexpr uint8_t kPrimaryDns = 129;
inline constexpr uint8_t kPrimaryNbns = 130;
inline constexpr uint8_t kSecondaryDns = 131;
inline constexpr uint8_t kSecondaryNbns = 132;
}  // namespace ipcp_opt

struct IpcpConfig {
    FsmConfig fsm;
    // Our IP-Address option: sent when request_address and we have a local address
    // or accept_address_nak (then 0.0.0.0 asks the peer for one).
    bool request_address = true;
    bool accept_address_nak = false;  // take the address the peer Naks us
    bool address_required = false;    // close when we end up without an address
    bool request_dns = false;         // ask for DNS 129/131 (0.0.0.0), take the Nak'd values
    bool request_nbns = false;        // same for NBNS 130/132
    // The peer's IP-Address when no assignment is set: ack any non-zero (else Reject).
    bool accept_peer_address = false;

    static IpcpConfig lns();
    static IpcpConfig client();
};

struct IpcpCounters {
    FsmCounters fsm;
    uint64_t address_naks = 0;  // peer's IP-Address Nak'd to the assigned one (or hinted)
};

// Per-core state shared by all IPCP engines; must outlive them.
struct IpcpShared {
    IpcpConfig config;
    IpcpCounters counters;
};

// What the peer is given (LNS role); zero fields are not offered.
struct IpcpAssignment {
    uint32_t peer_address = 0;
    uint32_t dns[2] = {};   // primary, secondary
    uint32_t nbns[2] = {};  // primary, secondary
};

// Server options are indexed type - 129: DNS1, NBNS1, DNS2, NBNS2.
struct IpcpNegotiation {
    uint32_t local_initial = 0;  // set_local_address()
    uint32_t local = 0;          // our address as requested / Nak'd to us
    uint32_t peer = 0;           // the peer's address we acked
    uint32_t assign_peer = 0;    // LNS: address the peer must use
    uint32_t serve[4] = {};      // LNS: server addresses we give
    uint32_t learned[4] = {};    // client: server addresses the peer gave us
    uint8_t want = 0;            // bit 0 IP-Address, bit 1+i server option i
    uint8_t peer_has = 0;        // bit i: the peer's request for server i was acked
    bool hinted = false;         // IP-Address hinted once this negotiation
};

struct IpcpResult {
    uint32_t local_address = 0;
    uint32_t peer_address = 0;
    // Client: what the peer gave us.  LNS: what the peer asked for and we acked.
    uint32_t dns[2] = {};
    uint32_t nbns[2] = {};
};

struct IpcpCtx {
    IpcpNegotiation &n;
    const IpcpConfig &cfg;
    IpcpCounters &ctr;
};

OptionTable<IpcpCtx> ipcp_option_table();

class Ipcp final : public Fsm {
public:
    // `shared`, `out` and `sink` must outlive the engine.
    Ipcp(IpcpShared &shared, Output &out, NoticeSink &sink);

    // Our own address, sent in our IP-Address option (0: none / ask the peer).
    void set_local_address(uint32_t ip) { n_.local_initial = ip; }
    // LNS: the address and servers the peer gets; before up().
    void set_assignment(const IpcpAssignment &a);
    IpcpResult result() const;
    const IpcpNegotiation &negotiation() const { return n_; }

protected:
    void reset_request() override;
    void write_request(PacketWriter &w) const override;
    uint8_t check_request(std::span<const uint8_t> options, uint8_t id, bool reject_if_disagree,
                          PacketWriter &reply) override;
    Applied apply_ack() override;
    Applied apply_nak(std::span<const uint8_t> options) override;
    Applied apply_reject(std::span<const uint8_t> options) override;

private:
    IpcpCtx ctx() const;

    IpcpShared *sh_;
    IpcpNegotiation n_;
};

}  // namespace lns::cp::ppp

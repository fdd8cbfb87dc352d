// ESP (RFC 4303) inbound and outbound processing over IPsec-MB, sans-I/O: it
// works on packets in contiguous buffers (EspBuf), not mbufs, and knows no
// ports, rings or clocks.  The data plane points an EspBuf at an mbuf's IPv4
// header and applies the returned data/len changes with rte_pktmbuf_adj /
// prepend / append (see the notes at the top of esp.cpp).
//
// Modes: transport (RFC 4303 §3.1.1; IP protocol 50, or UDP-encapsulated on
// port 4500 per RFC 3948 §3.1) and tunnel (IPv4 in IPv4, RFC 4303 §3.1.2).
// Algorithms: see EspCipher/EspIntegrity in crypto/sa.hpp.
//
// Batching: a burst goes through in two passes.  The first parses, checks
// lifetime and replay, and hands crypto to IPsec-MB: AES-GCM through the
// direct API, CBC+HMAC as jobs on the multi-buffer queue, so up to a lane
// width of packets are hashed and ciphered together; the queue is flushed at
// the end of the burst.  The second pass verifies ICVs, advances replay
// windows (only for packets whose ICV passed), checks padding and rewrites
// headers.  Operations on the same SA within a burst are handled in order.
//
// Allocation-free; nothing is logged.  Every failure is an EspResult, counted
// on the SA (Sa::counters().drops).  An unknown SPI is the caller's (it looks
// the SA up); so is an outer fragment (reassembly).
// Thread: one EspEngine per worker, with that worker's ImbManager; an SA's
// packets are processed by one worker (crypto/sa.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/esp_result.hpp"
#include "crypto/imb.hpp"
#include "crypto/iv_source.hpp"
#include "crypto/sa.hpp"

namespace lns::crypto {

constexpr uint8_t kIpProtoEsp = 50;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoIpv4 = 4;  // ESP next header in tunnel mode
constexpr uint8_t kIpProtoIpv6 = 41;
constexpr uint8_t kIpProtoNone = 59;  // dummy packet (RFC 4303 §2.6)
constexpr uint8_t kOuterTtl = 64;     // tunnel mode outer header

// A packet in one contiguous buffer.  data points at its IPv4 header; the
// buffer may be written headroom bytes before data and tailroom bytes after
// data + len.  Processing updates all four in place.
struct EspBuf {
    uint8_t *data = nullptr;
    uint32_t len = 0;
    uint32_t headroom = 0;
    uint32_t tailroom = 0;
};

// One packet of a burst.  The caller sets sa and buf; the engine sets the
// results and uses the rest as scratch.  Inbound, a caller whose classifier
// already parsed the outer headers may pass them in `located` (buf.len then
// the IPv4 total length): the engine trusts it and skips esp_locate().
struct EspOp {
    Sa *sa = nullptr;
    EspBuf buf;
    struct Located {
        uint16_t ip_hl = 0;  // 0: not located, the engine parses
        uint16_t esp_off = 0;
        bool udp_encap = false;
    } located;
    // Results.
    EspResult result = EspResult::ok;
    uint8_t next_header = 0;  // inbound: the ESP Next Header of the packet
    uint64_t seq = 0;         // full (ESN-inferred) sequence number

    // Engine scratch.
    uint32_t esp_off = 0;  // ESP header, from buf.data
    uint32_t ct_len = 0;   // ciphertext (payload + padding + trailer)
    uint32_t ip_hl = 0;    // IPv4 header length at buf.data
    uint32_t plen = 0;     // outbound: bytes protected
    bool udp_encap = false;
    alignas(16) uint8_t icv_rx[16];  // inbound with ESN+HMAC: the received ICV
    alignas(16) uint8_t tag[16];     // computed ICV
};

class EspEngine {
public:
    // mgr: this worker's manager; iv: random IVs for CBC.  Neither owned.
    EspEngine(IMB_MGR *mgr, IvSource *iv) : mgr_(mgr), iv_(iv) {}

    // Inbound: each op's buf holds an IPv4 packet carrying ESP (protocol 50 or
    // UDP-encapsulated).  On ok, buf holds the decapsulated packet: in
    // transport mode the IPv4 header with protocol = next header, in tunnel
    // mode the inner packet.  Returns how many ops ended ok.
    size_t decrypt_burst(EspOp *ops, size_t n);

    // Outbound: each op's buf holds an IPv4 packet; on ok, buf holds the ESP
    // packet (transport: same IPv4 header, ESP inserted; tunnel: a new outer
    // header from the SA).  Returns how many ops ended ok.
    size_t encrypt_burst(EspOp *ops, size_t n);

    IMB_MGR *manager() const { return mgr_; }

private:
    void prepare_in(EspOp &op);
    // The second pass: returns the bytes to count on the SA when op ended ok.
    // `t`: the SA's counts so far in this burst (by value: in registers).
    uint32_t finish_in(EspOp &op, Sa::Tally t);
    void prepare_out(EspOp &op);
    uint32_t finish_out(EspOp &op, Sa::Tally t);
    void submit_cbc(EspOp &op, bool encrypt);
    void complete_job(IMB_JOB *job);
    void drain_jobs();

    IMB_MGR *mgr_;
    IvSource *iv_;
};

// One packet: a burst of one.  next_header, if given, receives the ESP next header.
EspResult esp_decrypt(EspEngine &engine, Sa &sa, EspBuf &buf, uint8_t *next_header = nullptr);
EspResult esp_encrypt(EspEngine &engine, Sa &sa, EspBuf &buf);

// Where the ESP header of an inbound packet is.
struct EspLocation {
    uint32_t ip_hl = 0;     // outer IPv4 header length
    uint32_t ip_total = 0;  // outer IPv4 total length (bytes after it are ignored)
    uint32_t esp_off = 0;   // ESP header offset from the IPv4 header
    uint32_t spi = 0;
    bool udp_encap = false;  // arrived in UDP (RFC 3948)
};

// Parses without decrypting: the outer IPv4 header and any UDP encapsulation,
// up to the SPI the caller looks the SA up with.  Does not check the UDP port
// (the caller's classifier did); a non-ESP marker or keepalive gives
// natt_not_esp.  Never reads outside [data, data + len).
EspResult esp_locate(const uint8_t *data, size_t len, EspLocation *loc);

}  // namespace lns::crypto

// ESP stages of the data path (conventions item 7): `esp_in` between
// classification and L2TP decapsulation upstream, `esp_out` after L2TP
// encapsulation downstream.  Both drive the worker's crypto::EspEngine in
// bursts (GCM through the direct API, CBC+HMAC as multi-buffer jobs) and count
// each failure under its named drop reason, globally and on the SA.
//
// An SA's mutable state has one writer, its owner worker (sa_table.hpp):
// inbound packets of an SA received by another worker are handed to the owner's
// inbox (InboxKind::esp_in, counted `handoffs`); sessions bound to an outbound
// SA are owned by that SA's owner, so downstream they reach it by the session
// hand-off.
// Thread: the worker owning ctx.
#pragma once

#include <cstdint>

#include "crypto/esp_result.hpp"
#include "dataplane/worker.hpp"

namespace lns::dp {

// An ESP packet found by classification on an access port.
struct EspIn {
    rte_mbuf *m;        // one segment, data at the Ethernet header
    uint32_t spi;       // host order
    uint32_t src_be;    // outer source address
    uint16_t sport_be;  // NAT-T: the UDP source port; 0 for IP protocol 50
    bool natt;
    // classify_esp_fast's shape (IPv4 without options, UDP, ESP at offset 28 of
    // the IP header): its total length, passed to the engine so that it does
    // not parse the headers again; 0 from the general classifier.
    uint16_t fast_total;
};

// A burst's engine operations without EspOp's default member initialisers
// (zeroing 64 ops per burst cost a few cycles a packet): the stages set every
// field the engine reads (sa, buf, located, result).
union OpSlots {
    OpSlots() {}
    crypto::EspOp ops[kMaxBurst];
};

// The global drop reason of an ESP engine result (never called with ok).
Drop esp_drop_reason(crypto::EspResult r);

// Looks up the inbound SA of each packet (SPI, the port's address), checks the
// peer's address and NAT-T port, hands packets of SAs owned by other workers
// over, decrypts the rest in one engine burst.  Decrypted frames go to out[]
// with data at an Ethernet header whose EtherType is IPv4 and the IP packet
// behind it (transport: the outer header with the ESP removed; tunnel: the
// inner packet), their SA index in out_sa[].  Returns how many; every other
// packet was dropped (counted) or handed off.
unsigned decrypt_esp_burst(WorkerCtx *ctx, uint16_t pi, const EspIn *in, unsigned n, rte_mbuf **out,
                           uint16_t *out_sa);

// Encrypts the queued packets of protected sessions (ctx->esp_out) and sends
// them toward their peers.  Called at the end of every downstream burst and
// inbox drain, and when the queue is full.
void flush_esp_out(WorkerCtx *ctx);

// Queues an encapsulated frame (data at Ethernet, outer IPv4 complete) of a
// session bound to SA `sa` (port: where it arrived), or a control-core frame
// (session kInvalidIndex, port: where it leaves), for flush_esp_out.  Consumes m.
inline void queue_esp_out(WorkerCtx *ctx, rte_mbuf *m, uint32_t session, uint16_t sa,
                          uint16_t port) {
    if (ctx->n_esp_out == kMaxBurst) flush_esp_out(ctx);
    ctx->esp_out[ctx->n_esp_out++] = EspOutPending{m, session, sa, port};
}

}  // namespace lns::dp

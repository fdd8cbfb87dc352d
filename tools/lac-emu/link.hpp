// How the LAC emulator reaches the LNS: a Link moves whole UDP payloads (L2TP
// control and data messages) between the emulator and the wire.  One class per
// transport, each in its own file: udp_link.* (a kernel UDP socket), dpdk_link.*
// (a DPDK port with its own Ethernet/IPv4/UDP and ARP), esp_link.* (L2TP/IPsec:
// ESP transport mode over UDP 4500, one socket and SA pair per emulated
// client).  The emulator never sees sockets or mbufs.
//
// Batching is the transport's business: send() queues (copying the bytes, so the
// caller's buffer may be reused at once), flush() transmits the queue in as few
// system calls as possible, poll() returns a batch of received datagrams.
//
// Thread: one owner (the emulator's loop); no allocation after construction.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "controlplane/l2tp/types.hpp"

namespace lns::lacemu {

using cp::l2tp::Transport;

// One received UDP payload.  `from.peer_*` is the sender, `from.local_*` the
// address it was received on (as far as the transport knows).  `bytes` is valid
// until the next poll().
struct Datagram {
    Transport from;
    std::span<const uint8_t> bytes;
};

struct LinkCounters {
    uint64_t tx_datagrams = 0, tx_bytes = 0, tx_calls = 0;  // calls: sendmmsg / tx bursts
    uint64_t tx_dropped = 0;     // could not be sent (buffer full past the wait, errors)
    uint64_t tx_full_waits = 0;  // the kernel/device queue was full: waited for room
    uint64_t rx_datagrams = 0, rx_bytes = 0, rx_calls = 0;  // calls that returned data
    uint64_t rx_truncated = 0;  // longer than the receive buffer: dropped
    uint64_t rx_errors = 0;
    uint64_t rx_ignored = 0;          // frames not for us (Ethernet transports)
    uint64_t arp_rx = 0, arp_tx = 0;  // ARP handled / sent (Ethernet transports)
    uint64_t polls = 0;               // waits for input (ppoll / idle loops)
};

class Link {
  public:
    virtual ~Link() = default;

    // Queues one datagram to `to.peer_ip:to.peer_port` (host order).  Copies
    // `bytes`; transmits the queue when it is full.
    virtual void send(const Transport &to, std::span<const uint8_t> bytes) = 0;
    // Transmits everything queued.
    virtual void flush() = 0;
    // Received datagrams: returns at once when some are waiting, else waits up to
    // `timeout_ns` (0: never waits) for the first.  The batch and its bytes are
    // valid until the next call.  An empty batch means the wait ended (timeout,
    // signal).
    virtual std::span<const Datagram> poll(uint64_t timeout_ns) = 0;

    virtual const LinkCounters &counters() const = 0;
    // "udp", "dpdk", ... for reports.
    virtual const char *kind() const = 0;
    // The local address and port the link sends from (host order; 0: any).
    virtual uint32_t local_ip() const = 0;
    virtual uint16_t local_port() const = 0;
    // Independent client channels the link carries (EspLink: one per emulated
    // L2TP/IPsec client).  Tunnel i uses channel i % channels(), passed in
    // Transport::iface to send() and set by poll().
    virtual uint16_t channels() const { return 1; }
};

}  // namespace lns::lacemu

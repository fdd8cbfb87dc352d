// Minimal pcap (libpcap classic format) file writer, no libpcap needed.
//
// Global header: 24 bytes, magic 0xa1b2c3d4 (microsecond timestamps) in host
// byte order, version 2.4, snaplen 65535, linktype 1 (Ethernet).  Each record:
// 16-byte header (ts_sec, ts_usec, incl_len, orig_len) then the frame.
// Records are buffered and written in large blocks (millions of records/s).
//
// Thread: single-threaded use per instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace lns::pktgen {

class PcapWriter {
public:
    static constexpr uint32_t kMagicUsec = 0xa1b2c3d4;
    static constexpr uint32_t kSnaplen = 65535;
    static constexpr uint32_t kLinktypeEthernet = 1;

    PcapWriter() = default;
    ~PcapWriter();
    PcapWriter(const PcapWriter &) = delete;
    PcapWriter &operator=(const PcapWriter &) = delete;

    // Creates/truncates `path` and writes the global header.  False + errno set
    // on failure (message in error()).
    bool open(const std::string &path);

    // Appends one record; `len` must be <= kSnaplen.
    bool write(const uint8_t *frame, uint32_t len, uint64_t ts_usec);

    // Flushes and closes; false when any write failed.
    bool close();

    const std::string &error() const { return error_; }

private:
    bool flush();

    std::FILE *file_ = nullptr;
    std::vector<uint8_t> buf_;
    size_t used_ = 0;
    bool failed_ = false;
    std::string error_;
};

}  // namespace lns::pktgen

#include "tools/pktgen/pcap_writer.hpp"

#include <cerrno>
#include <cstring>

namespace lns::pktgen {

namespace {

constexpr size_t kBufSize = size_t{4} << 20;

void put32(uint8_t *p, uint32_t v) { std::memcpy(p, &v, 4); }  // host order, as the magic says
void put16(uint8_t *p, uint16_t v) { std::memcpy(p, &v, 2); }

}  // namespace

PcapWriter::~PcapWriter() {
    if (file_ != nullptr) close();
}

bool PcapWriter::open(const std::string &path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) {
        error_ = path + ": " + std::strerror(errno);
        return false;
    }
    buf_.assign(kBufSize, 0);
    uint8_t hdr[24];
    put32(hdr + 0, kMagicUsec);
    put16(hdr + 4, 2);
    put16(hdr + 6, 4);
    put32(hdr + 8, 0);   // thiszone
    put32(hdr + 12, 0);  // sigfigs
    put32(hdr + 16, kSnaplen);
    put32(hdr + 20, kLinktypeEthernet);
    std::memcpy(buf_.data(), hdr, sizeof hdr);
    used_ = sizeof hdr;
    return true;
}

bool PcapWriter::write(const uint8_t *frame, uint32_t len, uint64_t ts_usec) {
    if (file_ == nullptr || len > kSnaplen) return false;
    if (used_ + 16 + len > buf_.size() && !flush()) return false;
    uint8_t *p = buf_.data() + used_;
    put32(p + 0, static_cast<uint32_t>(ts_usec / 1000000));
    put32(p + 4, static_cast<uint32_t>(ts_usec % 1000000));
    put32(p + 8, len);
    put32(p + 12, len);
    std::memcpy(p + 16, frame, len);
    used_ += 16 + len;
    return true;
}

bool PcapWriter::flush() {
    if (used_ == 0) return !failed_;
    if (std::fwrite(buf_.data(), 1, used_, file_) != used_) {
        failed_ = true;
        error_ = std::string("write: ") + std::strerror(errno);
    }
    used_ = 0;
    return !failed_;
}

bool PcapWriter::close() {
    if (file_ == nullptr) return !failed_;
    flush();
    if (std::fclose(file_) != 0 && !failed_) {
        failed_ = true;
        error_ = std::string("close: ") + std::strerror(errno);
    }
    file_ = nullptr;
    return !failed_;
}

}  // namespace lns::pktgen

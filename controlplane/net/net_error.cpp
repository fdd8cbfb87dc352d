#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

const char *net_error_name(NetError e) {
    switch (e) {
        case NetError::ok:
            return "ok";
        case NetError::truncated:
            return "truncated";
        case NetError::bad_ethertype:
            return "bad_ethertype";
        case NetError::bad_hw_type:
            return "bad_hw_type";
        case NetError::bad_proto_type:
            return "bad_proto_type";
        case NetError::bad_len:
            return "bad_len";
        case NetError::bad_version:
            return "bad_version";
        case NetError::bad_header_len:
            return "bad_header_len";
        case NetError::bad_checksum:
            return "bad_checksum";
        case NetError::bad_protocol:
            return "bad_protocol";
        case NetError::bad_hop_limit:
            return "bad_hop_limit";
        case NetError::bad_code:
            return "bad_code";
        case NetError::bad_option:
            return "bad_option";
        case NetError::bad_address:
            return "bad_address";
        case NetError::fragment:
            return "fragment";
        case NetError::not_for_us:
            return "not_for_us";
        case NetError::unsupported_opcode:
            return "unsupported_opcode";
        case NetError::unsupported_type:
            return "unsupported_type";
        case NetError::is_icmp_error:
            return "is_icmp_error";
        case NetError::non_initial_fragment:
            return "non_initial_fragment";
        case NetError::bad_source:
            return "bad_source";
        case NetError::group_destination:
            return "group_destination";
        case NetError::no_room:
            return "no_room";
    }
    return "unknown";
}

}  // namespace lns::cp::net

// The RADIUS client engine (see radius_client.hpp).
#include "controlplane/aaa/radius_client.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace lns::cp::aaa {

namespace {
constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kMaxServers = 64;
// Room a transmission adds to the stored attributes: header, User-Password,
// Acct-Delay-Time, Message-Authenticator.
constexpr size_t kPerSendRoom = kRadiusHeaderLen + 2 + kMaxPasswordLen + 6 + 18;
}  // namespace

struct RadiusClient::Req {
    enum class St : uint8_t { free, queued, in_flight, cancelled };
    St st = St::free;
    Service svc = Service::auth;
    bool pap = false;
    uint8_t pw_len = 0;
    uint32_t gen = 0;
    uint32_t slot = kNone;
    int server = -1;
    unsigned sends_here = 0, total_sends = 0, round = 0;
    uint64_t tried = 0;  // servers tried this round (bit per server)
    uint64_t tag = 0, created = 0, deadline = 0;
    Bytes16 auth{};
    std::array<uint8_t, kMaxPasswordLen> pw{};
    std::vector<uint8_t> attrs;  // encoded once, at submit
    std::vector<uint8_t> pkt;    // the datagram last sent
};

const char *radius_status_name(RadiusStatus s) {
    switch (s) {
    case RadiusStatus::pending: return "pending";
    case RadiusStatus::accept: return "accept";
    case RadiusStatus::reject: return "reject";
    case RadiusStatus::challenge: return "challenge";
    case RadiusStatus::accounting_response: return "accounting_response";
    case RadiusStatus::timeout: return "timeout";
    case RadiusStatus::queue_full: return "queue_full";
    case RadiusStatus::invalid_request: return "invalid_request";
    }
    return "unknown";
}

RadiusClient::RadiusClient(RadiusClientConfig cfg, RandomFn rng, SendFn send, DoneFn done)
    : cfg_(std::move(cfg)), rng_(std::move(rng)), send_(std::move(send)), done_(std::move(done)) {
    if (cfg_.servers.empty() || cfg_.servers.size() > kMaxServers)
        throw std::invalid_argument("radius: 1..64 servers");
    if (cfg_.sockets < 1 || cfg_.sockets > 256) throw std::invalid_argument("radius: 1..256 sockets");
    if (cfg_.max_queue > (1u << 20)) throw std::invalid_argument("radius: max_queue too large");
    if (cfg_.acct_rounds < 1 || cfg_.dead_after < 1)
        throw std::invalid_argument("radius: acct_rounds and dead_after must be >= 1");
    for (const RadiusServer &s : cfg_.servers)
        if (s.timeout_ns == 0 || s.acct_timeout_ns == 0 || s.secret.empty())
            throw std::invalid_argument("radius: server needs a secret and non-zero timeouts");
    size_t nslots = size_t(cfg_.sockets) * 256;
    slots_.assign(nslots, kNone);
    free_ids_.resize(nslots);
    for (size_t id = 0, k = 0; id < 256; ++id)  // consecutive requests use different sockets
        for (size_t s = 0; s < cfg_.sockets; ++s) free_ids_[k++] = uint32_t(s * 256 + id);
    free_count_ = nslots;
    reqs_.resize(nslots + cfg_.max_queue);
    wait_.resize(reqs_.size());
    free_reqs_.reserve(reqs_.size());
    for (size_t i = reqs_.size(); i-- > 0;) free_reqs_.push_back(uint32_t(i));
    states_.resize(cfg_.servers.size() * 2);
    timers_.reserve(nslots);
}

RadiusClient::~RadiusClient() = default;

const ServerState &RadiusClient::server_state(size_t server, Service s) const {
    return states_.at(server * 2 + size_t(s));
}

// ---- Submission ----

Submitted RadiusClient::admit(Service svc, uint64_t tag, uint64_t now, uint32_t *idx) {
    if ((free_count_ == 0 && queued_ >= cfg_.max_queue) || free_reqs_.empty()) {
        ++c_.queue_full;
        return {RadiusStatus::queue_full, {}};
    }
    *idx = free_reqs_.back();
    free_reqs_.pop_back();
    Req &q = reqs_[*idx];
    q.svc = svc;
    q.tag = tag;
    q.created = now;
    q.pap = false;
    q.pw_len = 0;
    q.server = -1;
    q.sends_here = q.total_sends = q.round = 0;
    q.tried = 0;
    return {RadiusStatus::pending, {*idx, q.gen}};
}

Submitted RadiusClient::submit_access(const AccessRequest &r, uint64_t tag, uint64_t now) {
    uint32_t idx;
    Submitted s = admit(Service::auth, tag, now, &idx);
    if (s.status != RadiusStatus::pending) return s;
    Req &q = reqs_[idx];
    PacketWriter w(scratch_, Code::AccessRequest, 0);
    if (!encode_access_attrs(r, cfg_.nas, &w) || w.size() + kPerSendRoom > kRadiusMaxLen) {
        free_req(idx);
        ++c_.invalid_requests;
        return {RadiusStatus::invalid_request, {}};
    }
    q.attrs.assign(scratch_.begin() + kRadiusHeaderLen, scratch_.begin() + w.size());
    if (r.method == AuthMethod::pap) {
        q.pap = true;
        q.pw_len = uint8_t(r.password.size());
        if (!r.password.empty()) std::memcpy(q.pw.data(), r.password.data(), r.password.size());
    }
    ++c_.access_requests;
    return start(idx, now);
}

Submitted RadiusClient::submit_accounting(const AccountingRequest &r, uint64_t tag, uint64_t now) {
    uint32_t idx;
    Submitted s = admit(Service::acct, tag, now, &idx);
    if (s.status != RadiusStatus::pending) return s;
    Req &q = reqs_[idx];
    PacketWriter w(scratch_, Code::AccountingRequest, 0);
    if (!encode_accounting_attrs(r, cfg_.nas, &w) || w.size() + kPerSendRoom > kRadiusMaxLen) {
        free_req(idx);
        ++c_.invalid_requests;
        return {RadiusStatus::invalid_request, {}};
    }
    q.attrs.assign(scratch_.begin() + kRadiusHeaderLen, scratch_.begin() + w.size());
    ++c_.accounting_requests;
    return start(idx, now);
}

Submitted RadiusClient::start(uint32_t idx, uint64_t now) {
    Req &q = reqs_[idx];
    q.server = pick_server(q, now);  // never -1: nothing tried yet
    ++state(q.server, q.svc).requests;
    q.st = Req::St::in_flight;
    transmit_new(idx, now);
    return {RadiusStatus::pending, {idx, q.gen}};
}

bool RadiusClient::cancel(RequestHandle h, uint64_t now) {
    if (h.index >= reqs_.size()) return false;
    Req &q = reqs_[h.index];
    if (q.gen != h.gen) return false;
    if (q.st == Req::St::queued) {
        q.st = Req::St::cancelled;  // leaves the wait ring when it reaches the front
        --queued_;
    } else if (q.st == Req::St::in_flight) {
        release_slot(q);
        free_req(h.index);
        pump_queue(now);
    } else {
        return false;
    }
    ++c_.cancelled;
    return true;
}

// ---- Transmission ----

void RadiusClient::transmit_new(uint32_t idx, uint64_t now) {
    Req &q = reqs_[idx];
    if (q.slot == kNone) {
        if (free_count_ == 0) {
            q.st = Req::St::queued;
            wait_[(wait_head_ + wait_count_++) % wait_.size()] = idx;
            ++queued_;
            ++c_.queued;
            return;
        }
        q.slot = free_ids_[free_head_];
        free_head_ = (free_head_ + 1) % free_ids_.size();
        --free_count_;
        slots_[q.slot] = idx;
        ++in_flight_;
    }
    q.st = Req::St::in_flight;
    if (!encode(q, uint8_t(q.slot & 0xff), now)) {  // sizes were checked at submit
        complete(idx, RadiusStatus::invalid_request, -1, nullptr, now);
        return;
    }
    send_current(q, now);
}

bool RadiusClient::encode(Req &q, uint8_t id, uint64_t now) {
    const RadiusServer &s = cfg_.servers[size_t(q.server)];
    ByteSpan secret = as_bytes(s.secret);
    bool auth = q.svc == Service::auth;
    PacketWriter w(scratch_, auth ? Code::AccessRequest : Code::AccountingRequest, id);
    if (auth) {
        uint64_t a = rng_(), b = rng_();
        std::memcpy(q.auth.data(), &a, 8);
        std::memcpy(q.auth.data() + 8, &b, 8);
        w.set_authenticator(q.auth);
        if (q.pap)
            w.add_user_password({reinterpret_cast<const char *>(q.pw.data()), q.pw_len}, secret,
                                q.auth);
    }
    w.add_raw(q.attrs);
    if (!auth) w.add_u32(attr::kAcctDelayTime, uint32_t((now - q.created) / kRadiusSec));
    size_t ma = auth ? w.add_message_authenticator() : 0;
    std::span<uint8_t> pkt = w.finish();
    if (pkt.empty()) return false;
    if (auth) {
        sign_access_request(pkt, ma, secret);
    } else {
        sign_request(pkt, 0, secret);
        std::memcpy(q.auth.data(), pkt.data() + 4, 16);
    }
    q.pkt.assign(pkt.begin(), pkt.end());
    return true;
}

void RadiusClient::send_current(Req &q, uint64_t now) {
    const RadiusServer &s = cfg_.servers[size_t(q.server)];
    bool auth = q.svc == Service::auth;
    RadiusDatagram d{uint16_t(q.slot >> 8), s.ip, auth ? s.auth_port : s.acct_port, q.pkt};
    ++q.sends_here;
    ++q.total_sends;
    ++c_.transmissions;
    q.deadline = now + (auth ? s.timeout_ns : s.acct_timeout_ns);
    uint32_t idx = uint32_t(&q - reqs_.data());
    timers_.push_back({q.deadline, idx, q.gen});
    std::push_heap(timers_.begin(), timers_.end(), std::greater<Timer>());
    send_(d);
}

// ---- Timers, failover ----

void RadiusClient::on_timer(uint64_t now) {
    while (!timers_.empty() && timers_.front().deadline <= now) {
        std::pop_heap(timers_.begin(), timers_.end(), std::greater<Timer>());
        Timer t = timers_.back();
        timers_.pop_back();
        const Req &q = reqs_[t.req];
        if (q.gen == t.gen && q.st == Req::St::in_flight && q.deadline == t.deadline)
            on_timeout(t.req, now);
    }
}

uint64_t RadiusClient::next_deadline() {
    while (!timers_.empty()) {
        const Timer &t = timers_.front();
        const Req &q = reqs_[t.req];
        if (q.gen == t.gen && q.st == Req::St::in_flight && q.deadline == t.deadline)
            return t.deadline;
        std::pop_heap(timers_.begin(), timers_.end(), std::greater<Timer>());
        timers_.pop_back();
    }
    return UINT64_MAX;
}

void RadiusClient::on_timeout(uint32_t idx, uint64_t now) {
    Req &q = reqs_[idx];
    ++c_.timeouts;
    const RadiusServer &s = cfg_.servers[size_t(q.server)];
    unsigned retries = q.svc == Service::auth ? s.retries : s.acct_retries;
    if (q.sends_here <= retries) {
        ++c_.retransmits;
        if (q.svc == Service::auth) {
            send_current(q, now);  // same id, same authenticator
        } else {
            release_slot(q);  // new Acct-Delay-Time: new id and authenticator
            transmit_new(idx, now);
        }
        return;
    }
    server_timed_out(q.server, q.svc, now);
    fail_over(idx, now);
}

void RadiusClient::server_timed_out(int server, Service svc, uint64_t now) {
    ServerState &st = state(server, svc);
    ++st.timeouts;
    if (st.dead) {
        st.dead_until = now + cfg_.dead_holddown_ns;  // tried as a last resort, still silent
        return;
    }
    if (++st.consecutive_timeouts >= cfg_.dead_after) {
        st.dead = true;
        st.dead_until = now + cfg_.dead_holddown_ns;
        st.consecutive_timeouts = 0;
        ++c_.servers_marked_dead;
    }
}

void RadiusClient::fail_over(uint32_t idx, uint64_t now) {
    Req &q = reqs_[idx];
    q.tried |= uint64_t(1) << q.server;
    int next = pick_server(q, now);
    if (next < 0) {
        ++c_.requests_timed_out;
        complete(idx, RadiusStatus::timeout, -1, nullptr, now);
        return;
    }
    ++c_.failovers;
    q.server = next;
    q.sends_here = 0;
    ++state(next, q.svc).requests;
    release_slot(q);  // new id; queued requests get freed ids first
    pump_queue(now);
    transmit_new(idx, now);
}

int RadiusClient::pick_server(Req &q, uint64_t now) {
    size_t n = cfg_.servers.size();
    for (;;) {
        for (int pass = 0; pass < 2; ++pass) {  // live untried servers first, then dead ones
            for (size_t i = 0; i < n; ++i) {
                if (q.tried & (uint64_t(1) << i)) continue;
                ServerState &st = state(int(i), q.svc);
                if (st.dead && now >= st.dead_until) {
                    st.dead = false;
                    ++c_.servers_revived;
                }
                if (pass == 0 && st.dead) continue;
                return int(i);
            }
        }
        if (q.svc != Service::acct || ++q.round >= cfg_.acct_rounds) return -1;
        q.tried = 0;
    }
}

// ---- Replies ----

void RadiusClient::on_datagram(uint16_t socket, uint32_t ip, uint16_t port, ByteSpan bytes,
                               uint64_t now) {
    ++c_.replies_in;
    PacketView p;
    RadiusError e = decode_packet(bytes, &p);
    if (e != RadiusError::ok) {
        ++c_.bad_reply[size_t(e)];
        return;
    }
    uint32_t idx = socket < cfg_.sockets ? slots_[size_t(socket) * 256 + p.id] : kNone;
    if (idx == kNone) {
        ++c_.unknown_id;
        return;
    }
    Req &q = reqs_[idx];
    const RadiusServer &s = cfg_.servers[size_t(q.server)];
    if (ip != s.ip || port != (q.svc == Service::auth ? s.auth_port : s.acct_port)) {
        ++c_.wrong_source;
        return;
    }
    RadiusStatus st = check_reply(q, p, as_bytes(s.secret));
    if (st == RadiusStatus::pending) return;
    ServerState &ss = state(q.server, q.svc);
    ++ss.replies;
    ss.consecutive_timeouts = 0;
    if (ss.dead) {
        ss.dead = false;
        ++c_.servers_revived;
    }
    const AccessReply *reply = nullptr;
    if (q.svc == Service::auth) {
        parse_access_reply(p, &reply_);
        reply = &reply_;
    }
    complete(idx, st, q.server, reply, now);
}

// The result a verified reply gives; pending (counted) when it must be dropped.
RadiusStatus RadiusClient::check_reply(const Req &q, const PacketView &p, ByteSpan secret) {
    RadiusStatus st = RadiusStatus::pending;
    if (q.svc == Service::auth) {
        if (p.code == Code::AccessAccept) st = RadiusStatus::accept;
        if (p.code == Code::AccessReject) st = RadiusStatus::reject;
        if (p.code == Code::AccessChallenge) st = RadiusStatus::challenge;
    } else if (p.code == Code::AccountingResponse) {
        st = RadiusStatus::accounting_response;
    }
    RadiusError e = RadiusError::bad_code;
    if (st != RadiusStatus::pending) {
        bool require = q.svc == Service::auth && cfg_.require_message_authenticator;
        e = verify_response(p, q.auth, secret, require);
    }
    if (e == RadiusError::ok) return st;
    ++c_.bad_reply[size_t(e)];
    return RadiusStatus::pending;
}

void RadiusClient::count_result(RadiusStatus st) {
    switch (st) {
    case RadiusStatus::accept: ++c_.accepts; break;
    case RadiusStatus::reject: ++c_.rejects; break;
    case RadiusStatus::challenge: ++c_.challenges; break;
    case RadiusStatus::accounting_response: ++c_.accounting_responses; break;
    default: break;
    }
}

void RadiusClient::complete(uint32_t idx, RadiusStatus st, int server, const AccessReply *reply,
                            uint64_t now) {
    Req &q = reqs_[idx];
    RadiusResult r;
    r.status = st;
    r.tag = q.tag;
    r.service = q.svc;
    r.server = server;
    r.transmissions = q.total_sends;
    r.elapsed_ns = now - q.created;
    r.reply = reply;
    count_result(st);
    release_slot(q);
    free_req(idx);
    pump_queue(now);
    done_(r);
}

void RadiusClient::release_slot(Req &q) {
    if (q.slot == kNone) return;
    slots_[q.slot] = kNone;
    free_ids_[(free_head_ + free_count_++) % free_ids_.size()] = q.slot;
    q.slot = kNone;
    --in_flight_;
}

void RadiusClient::free_req(uint32_t idx) {
    Req &q = reqs_[idx];
    q.st = Req::St::free;
    ++q.gen;
    free_reqs_.push_back(idx);
}

void RadiusClient::pump_queue(uint64_t now) {
    while (free_count_ > 0 && wait_count_ > 0) {
        uint32_t idx = wait_[wait_head_];
        wait_head_ = (wait_head_ + 1) % wait_.size();
        --wait_count_;
        if (reqs_[idx].st == Req::St::cancelled) {
            free_req(idx);
            continue;
        }
        --queued_;
        transmit_new(idx, now);
    }
}

}  // namespace lns::cp::aaa

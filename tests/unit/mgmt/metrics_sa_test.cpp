// /metrics: the ESP SA families (labels sa, direction, reason).
#include <gtest/gtest.h>

#include "mgmt/metrics.hpp"

namespace lns::mgmt {
namespace {

TEST(MetricsSa, FamiliesPerSaWithDirectionAndReason) {
    dp::Snapshot s;
    dp::SaRow in;
    in.name = "c1-in";
    in.packets = 7;
    in.bytes = 700;
    in.drops = {{"icv_mismatch", 2}, {"replay_duplicate", 1}};
    in.soft_expired = true;
    dp::SaRow out;
    out.name = "c1-out";
    out.inbound = false;
    out.packets = 5;
    out.hard_expired = true;
    s.sas = {in, out};
    const std::string t = format_prometheus(s, {});
    for (const char *want : {
             "# TYPE lnsd_sa_packets_total counter\n",
             "lnsd_sa_packets_total{sa=\"c1-in\",direction=\"inbound\"} 7\n",
             "lnsd_sa_packets_total{sa=\"c1-out\",direction=\"outbound\"} 5\n",
             "lnsd_sa_bytes_total{sa=\"c1-in\",direction=\"inbound\"} 700\n",
             "lnsd_sa_drops_total{sa=\"c1-in\",direction=\"inbound\",reason=\"icv_mismatch\"} 2\n",
             "lnsd_sa_drops_total{sa=\"c1-in\",direction=\"inbound\",reason=\"replay_duplicate\"} "
             "1\n",
             "# TYPE lnsd_sa_soft_expired gauge\n",
             "lnsd_sa_soft_expired{sa=\"c1-in\",direction=\"inbound\"} 1\n",
             "lnsd_sa_soft_expired{sa=\"c1-out\",direction=\"outbound\"} 0\n",
             "lnsd_sa_hard_expired{sa=\"c1-out\",direction=\"outbound\"} 1\n",
             "lnsd_sas 2\n",
         })
        EXPECT_NE(t.find(want), std::string::npos) << want;
}

}  // namespace
}  // namespace lns::mgmt

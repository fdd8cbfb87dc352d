#include "harness/eal_env.hpp"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace lns::test {

namespace {

struct EalState {
    std::once_flag once;
    bool ok = false;
    bool initialised = false;
    std::string error;
    std::string prefix;
    std::string runtime_dir;
};

EalState &state() {
    static EalState s;
    return s;
}

void init_once() {
    EalState &s = state();
    s.prefix = "lnsut-" + std::to_string(::getpid());
    std::vector<std::string> args = {"lns_unit_tests", "--no-huge",  "-m",           "256",
                                     "--no-pci",       "--file-prefix", s.prefix,    "--log-level=error",
                                     "-l",             "0"};
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(args.size()), argv.data()) < 0) {
        s.error = std::string("rte_eal_init: ") + rte_strerror(rte_errno);
        return;
    }
    s.initialised = true;
    s.ok = true;
    s.runtime_dir = rte_eal_get_runtime_dir();
}

// After the last test: release the EAL and remove its runtime directory (it is
// ours alone: the file prefix carries our pid).
class EalCleanup : public ::testing::Environment {
public:
    void TearDown() override {
        EalState &s = state();
        if (!s.initialised) return;
        rte_eal_cleanup();
        s.initialised = false;
        std::error_code ec;
        const std::filesystem::path dir(s.runtime_dir);
        if (!s.runtime_dir.empty() && dir.filename() == s.prefix) std::filesystem::remove_all(dir, ec);
    }
};

[[maybe_unused]] ::testing::Environment *const kCleanup =
    ::testing::AddGlobalTestEnvironment(new EalCleanup);

}  // namespace

bool ensure_eal() {
    EalState &s = state();
    std::call_once(s.once, init_once);
    return s.ok;
}

const std::string &eal_error() { return state().error; }

}  // namespace lns::test

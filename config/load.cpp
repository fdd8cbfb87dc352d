// load_config_file / load_config_string: YAML text -> validated Config.
#include "config/load.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "config/parse.hpp"

namespace lns::cfg {

namespace {

// The whole file, or std::nullopt with errno set.
std::optional<std::string> read_file(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            errno = saved;
            return std::nullopt;
        }
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
}

// Counts documents, remembering where the second one starts.  yaml-cpp 0.7's
// LoadAll never returns on some malformed flow collections (it keeps producing
// empty documents: found by fuzz_config), so documents are counted with a bound.
class DocumentCounter : public YAML::EventHandler {
public:
    int count = 0;
    YAML::Mark second;
    void OnDocumentStart(const YAML::Mark &m) override {
        if (++count == 2) second = m;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override {}
    void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

void load_into(const std::string &yaml, detail::Parsed &p, detail::Diagnostics &diag) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    DocumentCounter docs;
    while (docs.count < 2 && parser.HandleNextDocument(docs)) {
    }
    if (docs.count > 1) {
        diag.error_at(docs.second, "(document)",
                      "only one YAML document is allowed; remove the second '---'");
    }
    YAML::Node root = YAML::Load(yaml);  // the first document only
    detail::parse_document(root, p, diag);
    detail::validate_topology(p, diag);
    detail::validate_sessions(p, diag);
    detail::validate_ipsec(p, diag);
}

}  // namespace

LoadResult load_config_string(const std::string &yaml, const std::string &source_name) {
    detail::Diagnostics diag(source_name);
    detail::Parsed p;
    try {
        load_into(yaml, p, diag);
    } catch (const YAML::Exception &e) {
        diag.error_at(e.mark, "syntax error", e.msg);
    } catch (const std::exception &e) {
        diag.error_no_location(std::string("internal error while loading: ") + e.what());
    }
    LoadResult result;
    result.errors = diag.formatted();
    if (result.errors.empty()) {
        p.config.source = source_name;
        result.config = std::move(p.config);
    }
    return result;
}

std::vector<std::string> load_users_file(const std::string &path, const AaaConfig &aaa,
                                         std::vector<LocalUser> *out) {
    auto text = read_file(path);
    if (!text) return {path + ": cannot read: " + std::strerror(errno)};
    return load_users_string(*text, path, aaa, out);
}

LoadResult load_config_file(const std::string &path) {
    auto text = read_file(path);
    if (!text) {
        LoadResult result;
        result.errors.push_back(path + ": cannot read: " + std::strerror(errno));
        return result;
    }
    LoadResult result = load_config_string(*text, path);
    if (result.config && !result.config->aaa.users_file.empty()) {
        AaaConfig &aaa = result.config->aaa;
        std::string users = aaa.users_file;
        const auto slash = path.rfind('/');
        if (users[0] != '/' && slash != std::string::npos) users = path.substr(0, slash + 1) + users;
        result.errors = load_users_file(users, aaa, &aaa.users);
        if (!result.errors.empty()) result.config.reset();
    }
    return result;
}

}  // namespace lns::cfg

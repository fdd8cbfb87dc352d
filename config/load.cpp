// load_config_file / load_config_string: YAML text -> validated Config.
#include "config/load.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

void load_into(const std::string &yaml, detail::Parsed &p, detail::Diagnostics &diag) {
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
    if (docs.size() > 1) {
        diag.error_at(docs[1].Mark(), "(document)",
                      "only one YAML document is allowed; remove the second '---'");
    }
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    detail::parse_document(root, p, diag);
    detail::validate_topology(p, diag);
    detail::validate_sessions(p, diag);
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

LoadResult load_config_file(const std::string &path) {
    auto text = read_file(path);
    if (!text) {
        LoadResult result;
        result.errors.push_back(path + ": cannot read: " + std::strerror(errno));
        return result;
    }
    return load_config_string(*text, path);
}

}  // namespace lns::cfg

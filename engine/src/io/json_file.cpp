// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "io/json_file.h"

#include "lumen/engine/error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lumen::engine {

std::string readTextFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::Io, "cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw Error(ErrorKind::Io, "error while reading " + path);
    }
    return buffer.str();
}

nlohmann::json readJsonFile(const std::string& path)
{
    const std::string text = readTextFile(path);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // Turn the byte position into a line and column a person can find in an editor.
        size_t line = 1;
        size_t column = 1;
        const size_t limit = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        for (size_t i = 0; i < limit; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string what = e.what();
        // nlohmann's text starts with "[json.exception.parse_error.101] parse error at ...";
        // keep the explanation after the last ": ".
        const auto colon = what.rfind(": ");
        if (colon != std::string::npos) {
            what = what.substr(colon + 2);
        }
        throw Error(ErrorKind::InvalidInput, path + " is not valid JSON (line " +
                                                 std::to_string(line) + ", column " +
                                                 std::to_string(column) + ": " + what +
                                                 "). Fix or replace the file.");
    } catch (const nlohmann::json::exception& e) {
        // e.g. a number too large for a double
        throw Error(ErrorKind::InvalidInput,
                    path + " is not valid JSON (" + e.what() + "). Fix or replace the file.");
    }
}

void writeTextAtomically(const std::filesystem::path& path, const std::string& text)
{
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            std::error_code ec;
            std::filesystem::remove(temp, ec);
            throw Error(ErrorKind::Io, "cannot write " + path.string() + ": " +
                                           std::strerror(errno) + " (is the disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        throw Error(ErrorKind::Io, "cannot write " + path.string() + ": " + ec.message());
    }
}

} // namespace lumen::engine

// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "arg_parser.h"

#include <cerrno>
#include <cstdlib>

namespace lumen::app::cli {

std::optional<std::string> ParsedArgs::value(const std::string& name) const
{
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const
{
    const auto it = values.find(name);
    return it == values.end() ? std::vector<std::string> {} : it->second;
}

ParsedArgs parseCommandArgs(const CommandSpec& spec, const std::vector<std::string>& args)
{
    ParsedArgs parsed;
    bool optionsEnded = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (optionsEnded || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
            if (!optionsEnded && arg.size() > 1 && arg[0] == '-') {
                throw UsageError(spec.name,
                    "unknown option '" + arg + "' (options are spelled with two dashes)");
            }
            parsed.positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (const size_t eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name.resize(eq);
        }
        const OptionSpec* option = nullptr;
        for (const OptionSpec& candidate : spec.options) {
            if (candidate.name == name) {
                option = &candidate;
            }
        }
        if (option == nullptr) {
            throw UsageError(spec.name, "unknown option '--" + name + "' for '" + spec.name + "'");
        }
        if (!option->takesValue) {
            if (inlineValue) {
                throw UsageError(spec.name, "option '--" + name + "' takes no value");
            }
            parsed.flags[name] = true;
            continue;
        }
        std::string value;
        if (inlineValue) {
            value = *inlineValue;
        } else {
            if (i + 1 >= args.size()) {
                throw UsageError(spec.name, "option '--" + name + "' needs a value");
            }
            value = args[++i];
        }
        auto& slot = parsed.values[name];
        if (!slot.empty() && !option->repeatable) {
            throw UsageError(spec.name, "option '--" + name + "' was given more than once");
        }
        slot.push_back(value);
    }
    const size_t required = spec.positionals.size() - spec.optionalPositionals;
    if (parsed.positionals.size() < required) {
        throw UsageError(
            spec.name, "missing argument " + spec.positionals[parsed.positionals.size()]);
    }
    if (parsed.positionals.size() > spec.positionals.size()) {
        throw UsageError(
            spec.name, "unexpected argument '" + parsed.positionals[spec.positionals.size()] + "'");
    }
    return parsed;
}

long long parseIntOption(const std::string& command, const std::string& option,
    const std::string& text, long long min, long long max)
{
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end == nullptr || *end != '\0' || errno == ERANGE) {
        throw UsageError(
            command, "option '--" + option + "' expects a whole number, got '" + text + "'");
    }
    if (value < min || value > max) {
        throw UsageError(command,
            "option '--" + option + "' must be between " + std::to_string(min) + " and "
                + std::to_string(max) + ", got " + text);
    }
    return value;
}

} // namespace lumen::app::cli

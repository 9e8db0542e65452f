// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A small command-line parser for lumen-cli (no Qt: lumen-cli builds without it).
//
//   CommandSpec spec{"tokenize", {"MODEL_DIR"}, {{"text", true, false}, {"json"}}};
//   ParsedArgs args = parseCommandArgs(spec, {"bert", "--text", "Hi", "--json"});
//   args.value("text"); args.flag("json");
//
// Forms accepted: `--name value`, `--name=value`, `--flag`, and `--` to end the options (so
// a positional argument may start with a dash). Options may come before, between or after
// the positional arguments. Anything else is a UsageError naming the offending argument.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lumen::app::cli {

/// Wrong command-line usage: main prints it with the command's usage line and exits 2.
class UsageError : public std::runtime_error {
public:
    UsageError(const std::string& command, const std::string& message)
        : std::runtime_error(message)
        , command_(command)
    {
    }
    /// the command whose usage to show, or empty for the general usage
    const std::string& command() const { return command_; }

private:
    std::string command_;
};

struct OptionSpec {
    std::string name; ///< without the leading dashes
    bool takesValue = false; ///< `--name VALUE` rather than a flag
    bool repeatable = false; ///< may be given several times (`--text A --text B`)
};

struct CommandSpec {
    std::string name;
    std::vector<std::string> positionals; ///< names of the positional arguments, in order
    size_t optionalPositionals = 0; ///< how many trailing positionals may be left out
    std::vector<OptionSpec> options;
};

struct ParsedArgs {
    std::vector<std::string> positionals;
    std::map<std::string, std::vector<std::string>> values; ///< options that take a value
    std::map<std::string, bool> flags; ///< flags that were given

    bool flag(const std::string& name) const { return flags.count(name) > 0; }
    bool has(const std::string& name) const { return values.count(name) > 0; }
    /// the last value given for `name`, or nullopt
    std::optional<std::string> value(const std::string& name) const;
    /// every value given for a repeatable option, in order
    std::vector<std::string> all(const std::string& name) const;
};

/// Parses the arguments after the command name. Throws UsageError.
ParsedArgs parseCommandArgs(const CommandSpec& spec, const std::vector<std::string>& args);

/// Integer option value with a range check. Throws UsageError naming the option.
long long parseIntOption(const std::string& command, const std::string& option,
    const std::string& text, long long min, long long max);

} // namespace lumen::app::cli

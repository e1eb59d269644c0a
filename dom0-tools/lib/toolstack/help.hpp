// pvctl's help texts and the shape of its usage errors.
#pragma once

#include "dom0-tools/lib/toolstack/pvctl.hpp"

namespace pv::tools {

// `pvctl help`: every verb with its summary.
void print_help(Terminal& term);
// `pvctl VERB --help`: usage, summary and details.
void print_verb_help(const Toolstack::Verb& verb, Terminal& term);
// "error: VERB: PROBLEM 'WORD' (usage: pvctl USAGE)"; returns false.
bool usage_error(Terminal& term, StringView verb, StringView problem,
                 StringView word = StringView());

} // namespace pv::tools

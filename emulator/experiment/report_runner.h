// Runs the report generator (report.py, compiled into the binary) with Debian's Python and
// matplotlib.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace cte::experiment {

// Runs report.py with `args` (a run folder; or --compare RUN... --out DIR). The interpreter is
// $CTE_PYTHON, else /usr/bin/python3 when it exists (Debian's, which has python3-matplotlib),
// else python3 from PATH. FAILED_PRECONDITION when it cannot run or exits non-zero (its stderr
// has said why).
core::Status RunReport(const std::vector<std::string>& args);

}  // namespace cte::experiment

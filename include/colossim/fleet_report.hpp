// Presenting a fleet run (`colossim fleet`): a text report, one JSON object, CSV tables
// (time series and jobs) and a Chrome-trace timeline with a track per job.
#pragma once

#include <string>
#include <vector>

#include "colossim/fleet.hpp"

namespace colossim {

std::string fleet_table(const FleetSpec& spec, const FleetSummary& summary, const std::vector<FleetReplication>& reps);
// {fleet{...}, summary{utilisation, sizes[...], failures{}, interruptions{}, gpu_hours_lost{}, ...},
//  replications[{utilisation, ...}], listed_jobs[{name, ettr, ...}], warnings}
std::string fleet_json(const FleetSpec& spec, const FleetSummary& summary, const std::vector<FleetReplication>& reps,
                       const std::vector<std::string>& warnings);
// One line: utilisation, each listed job's ETTR, the other jobs' waits (`fleet --brief`).
std::string fleet_brief(const FleetSpec& spec, const FleetSummary& summary, const std::vector<FleetReplication>& reps);
// replication,t_h,allocated_gpus,down_gpus,spare_gpus,queued_jobs,running_jobs
std::string fleet_timeseries_csv(const std::vector<FleetReplication>& reps);
// replication,name,gpus,priority,arrival_h,first_start_h,end_h,wait_h,work_h,useful_h,ettr,interruptions,preemptions,crossing,split_domain,step_s
std::string fleet_jobs_csv(const std::vector<FleetReplication>& reps);
// Chrome trace JSON of one replication (needs its spans): a track per job, queued /
// running / restarting slices, in the job-size process it belongs to.
std::string fleet_trace_json(const FleetSpec& spec, const FleetReplication& rep);

}  // namespace colossim

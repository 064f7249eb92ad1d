// Presenting the datacenter behind a run (`colossim datacenter`): a table and JSON.
#pragma once

#include <string>
#include <vector>

#include "colossim/datacenter.hpp"

namespace colossim {

// {nodes, racks, nvlink_domains, switches{tier: count}, links{tier: count}, transceivers,
//  it_power_mw, facility_power_mw, capex_usd, power_cost_usd_per_year, ...}; see README.
std::string datacenter_json(const Datacenter& d, const std::vector<std::string>& warnings);
std::string datacenter_table(const Datacenter& d);

}  // namespace colossim

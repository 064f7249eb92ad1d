// Prices files (data/prices/NAME.yaml, schema in data/README.md) and their overrides.
#include "../spec/field_reader.hpp"
#include "../spec/hardware_reader.hpp"
#include "colossim/datacenter.hpp"

namespace colossim {

namespace {
constexpr double kMaxItemUsd = 1e7;  // no GPU, server or switch costs ten million dollars

// `gpu: 25000` (any GPU) or `gpu: {h100-sxm: 25000, ...}` (by name).
std::map<std::string, double> read_price_map(spec::FieldReader& r, const std::string& key, Diagnostics& diagnostics) {
    std::map<std::string, double> out;
    YAML::Node node = r.raw(key);
    if (node.IsScalar()) {
        out["*"] = r.number(key, 0, kMaxItemUsd);
        return out;
    }
    if (!node.IsMap()) throw InputError(r.path_of(key), "", "a price in USD, or a mapping of name: USD");
    spec::FieldReader m(node, r.path_of(key), diagnostics);
    for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) throw InputError(r.path_of(key), "(a non-text key)", "a mapping of name: USD");
        out[it->first.Scalar()] = m.number(it->first.Scalar(), 0, kMaxItemUsd);
    }
    return out;
}

// `key` is the prices file's field and the end of its --price-KEY flag.
double lookup(const std::map<std::string, double>& prices, const std::string& name, const std::string& key,
              const std::string& what) {
    if (auto it = prices.find(name); it != prices.end()) return it->second;
    if (auto it = prices.find("*"); it != prices.end()) return it->second;
    std::string known;
    for (const auto& [k, v] : prices) known += " " + k;
    throw InputError("prices." + key, name,
                     "a " + what + " priced in the prices file (it prices:" + known + "), or one price for every " +
                         what + " (--price-" + key + ")");
}
}  // namespace

double Prices::gpu(const std::string& name) const { return lookup(gpu_usd, name, "gpu", "GPU"); }
double Prices::switch_price(const std::string& model) const {
    return lookup(switch_usd, model, "switch", "switch");
}

Prices read_prices(const std::string& yaml_text, const std::string& source_name, const std::vector<Override>& overrides,
                   Diagnostics& diagnostics) {
    YAML::Node root = spec::load_mapping(yaml_text, source_name, "prices", "the prices file (gpu, node, switch, ...)");
    for (const auto& o : overrides) root[o.key] = o.value;
    spec::FieldReader r(root, "prices", diagnostics);
    Prices p;
    r.optional_text("name");
    r.optional_text("description");
    p.gpu_usd = read_price_map(r, "gpu", diagnostics);
    p.switch_usd = read_price_map(r, "switch", diagnostics);
    p.node_usd = r.number("node", 0, kMaxItemUsd);
    p.transceiver_usd = r.number("transceiver", 0, kMaxItemUsd);
    p.cable_usd = r.number("cable", 0, kMaxItemUsd);
    // Retail electricity is cents a kWh; 10 USD would be a hundred times the dearest tariff.
    p.electricity_usd_per_kwh = r.number("electricity_per_kwh", 0, 10);
    p.sources = spec::read_sources_map(r.raw("sources"), r.path_of("sources"));
    r.finish();
    return p;
}

Prices load_prices(const Catalog& catalog, const std::string& reference, const std::vector<Override>& overrides,
                   Diagnostics& diagnostics) {
    std::string source;
    std::string text = catalog.find_text(CatalogKind::prices, reference, "prices", source);
    return read_labelled("prices", reference, "prices", "prices", [&] { return read_prices(text, source, overrides, diagnostics); });
}

}  // namespace colossim

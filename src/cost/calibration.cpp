#include "../spec/field_reader.hpp"
#include "colossim/cost.hpp"

#include <yaml-cpp/yaml.h>

namespace colossim {

namespace {
// The numeric constants by their model.yaml names, for the cross-validation's fits.
double* field(Calibration& c, const std::string& name) {
    if (name == "memory_efficiency") return &c.memory_efficiency;
    if (name == "norm_memory_efficiency") return &c.norm_memory_efficiency;
    if (name == "gemm_k_half") return &c.gemm_k_half;
    if (name == "kernel_overhead") return &c.kernel_overhead.value;
    if (name == "nvlink_efficiency") return &c.nvlink_efficiency;
    if (name == "network_efficiency") return &c.network_efficiency;
    if (name == "default_gemm_efficiency") return &c.default_gemm_efficiency;
    if (name == "default_attention_efficiency") return &c.default_attention_efficiency;
    if (name == "attention_seq_half") return &c.attention_seq_half;
    if (name == "flash1_speed") return &c.flash1_speed;
    if (name == "cudnn_attention_speed") return &c.cudnn_attention_speed;
    if (name == "comm_sms") return &c.comm_sms;
    throw InternalError("calibration has no fittable constant " + name);
}
}  // namespace

double Calibration::get(const std::string& name) const { return *field(const_cast<Calibration&>(*this), name); }
void Calibration::set(const std::string& name, double value) { *field(*this, name) = value; }

Calibration Calibration::from_catalog(const Catalog& catalog) {
    const std::string* text = catalog.text(CatalogKind::calibration, "model");
    if (!text) throw InternalError("data/calibration/model.yaml is missing from the build");
    Diagnostics diagnostics;
    spec::FieldReader r(spec::load_document(*text, "calibration/model.yaml"), "calibration", diagnostics);
    Calibration c;
    c.memory_efficiency = r.number("memory_efficiency", 0.01, 1.0);
    c.norm_memory_efficiency = r.number("norm_memory_efficiency", 0.01, 1.0);
    c.gemm_k_half = r.number("gemm_k_half", 0.0, 1e5);
    c.gemm_tile_m = r.number("gemm_tile_m", 1, 1024);
    c.gemm_tile_n = r.number("gemm_tile_n", 1, 1024);
    c.kernel_overhead = r.duration("kernel_overhead");
    c.expert_gemm_host_time = r.duration("expert_gemm_host_time");
    c.nvlink_efficiency = r.number("nvlink_efficiency", 0.01, 1.0);
    c.network_efficiency = r.number("network_efficiency", 0.01, 1.0);
    c.default_gemm_efficiency = r.number("default_gemm_efficiency", 0.01, 1.0);
    c.default_attention_efficiency = r.number("default_attention_efficiency", 0.01, 1.0);
    c.attention_seq_half = r.number("attention_seq_half", 0, 1e6);
    c.flash1_speed = r.number("flash1_speed", 0.01, 1.0);
    c.cudnn_attention_speed = r.number("cudnn_attention_speed", 0.01, 10.0);
    c.ddp_bucket_params = r.number("ddp_bucket_params", 1, 1e12);
    c.comm_sms = r.number("comm_sms", 0, 1024);
    if (r.has("fitted")) {
        const YAML::Node f = r.raw("fitted");
        if (!f.IsMap()) throw InternalError("calibration/model.yaml: fitted must map names to [low, high]");
        for (auto it = f.begin(); it != f.end(); ++it) {
            Fitted k{it->first.Scalar(), it->second[0].as<double>(), it->second[1].as<double>()};
            (void)c.get(k.name);  // must name a constant
            c.fitted.push_back(k);
        }
    } else {
        r.raw("fitted");
    }
    r.ignore({"sources"});
    r.finish();
    if (!diagnostics.warnings.empty()) throw InternalError("calibration/model.yaml: " + diagnostics.warnings.front());
    return c;
}

}  // namespace colossim

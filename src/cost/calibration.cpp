#include "../spec/field_reader.hpp"
#include "colossim/cost.hpp"

namespace colossim {

Calibration Calibration::from_catalog(const Catalog& catalog) {
    const std::string* text = catalog.text(CatalogKind::calibration, "model");
    if (!text) throw InternalError("data/calibration/model.yaml is missing from the build");
    Diagnostics diagnostics;
    spec::FieldReader r(spec::load_document(*text, "calibration/model.yaml"), "calibration", diagnostics);
    Calibration c;
    c.memory_efficiency = r.number("memory_efficiency", 0.01, 1.0);
    c.gemm_k_half = r.number("gemm_k_half", 0.0, 1e5);
    c.gemm_tile_m = r.number("gemm_tile_m", 1, 1024);
    c.gemm_tile_n = r.number("gemm_tile_n", 1, 1024);
    c.kernel_overhead = r.duration("kernel_overhead");
    c.nvlink_efficiency = r.number("nvlink_efficiency", 0.01, 1.0);
    c.network_efficiency = r.number("network_efficiency", 0.01, 1.0);
    c.default_gemm_efficiency = r.number("default_gemm_efficiency", 0.01, 1.0);
    c.default_attention_efficiency = r.number("default_attention_efficiency", 0.01, 1.0);
    c.ddp_bucket_params = r.number("ddp_bucket_params", 1, 1e12);
    r.ignore({"sources"});
    r.finish();
    if (!diagnostics.warnings.empty()) throw InternalError("calibration/model.yaml: " + diagnostics.warnings.front());
    return c;
}

}  // namespace colossim

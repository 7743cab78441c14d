// std.math (stdlib/std/math.sfn): IEEE 754 / C library float functions and a stable string hash.
#include <cmath>

#include "sfn_std.h"

namespace sfn::stdlib {

void math_sqrt(Ctx&, const sfn_loc&, double& out, double x) { out = std::sqrt(x); }
void math_pow(Ctx&, const sfn_loc&, double& out, double base, double exponent) { out = std::pow(base, exponent); }
void math_floor(Ctx&, const sfn_loc&, double& out, double x) { out = std::floor(x); }
void math_ceil(Ctx&, const sfn_loc&, double& out, double x) { out = std::ceil(x); }
void math_round(Ctx&, const sfn_loc&, double& out, double x) { out = std::round(x); }
void math_trunc(Ctx&, const sfn_loc&, double& out, double x) { out = std::trunc(x); }
void math_clamp(Ctx& c, const sfn_loc& l, double& out, double x, double lo, double hi) {
  if (!(lo <= hi)) c.raise("math.clamp: lo > hi", l);
  out = std::isnan(x) ? x : x < lo ? lo : x > hi ? hi : x;
}
void math_hash(Ctx&, const sfn_loc&, std::int64_t& out, const sfn_str& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : abi::view(s)) h = (h ^ ch) * 0x100000001b3ull;
  out = static_cast<std::int64_t>(h & 0x7fffffffffffffffull);
}
void math_exp(Ctx&, const sfn_loc&, double& out, double x) { out = std::exp(x); }
void math_ln(Ctx&, const sfn_loc&, double& out, double x) { out = std::log(x); }
void math_log10(Ctx&, const sfn_loc&, double& out, double x) { out = std::log10(x); }
void math_pi(Ctx&, const sfn_loc&, double& out) { out = 3.141592653589793; }
void math_is_nan(Ctx&, const sfn_loc&, std::uint8_t& out, double x) { out = std::isnan(x) ? 1 : 0; }
void math_is_finite(Ctx&, const sfn_loc&, std::uint8_t& out, double x) { out = std::isfinite(x) ? 1 : 0; }

}  // namespace sfn::stdlib

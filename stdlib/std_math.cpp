// std.math (stdlib/std/math.sfn): IEEE 754 / C library float functions and a stable string hash.
#include <cmath>

#include "common/bits.h"
#include "sfn_std.h"

namespace sfn::stdlib {

int math_sqrt(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::sqrt(x);
  return SFN_OK;
}
int math_pow(Ctx&, const sfn_loc&, double& out, double base, double exponent) {
  out = std::pow(base, exponent);
  return SFN_OK;
}
int math_floor(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::floor(x);
  return SFN_OK;
}
int math_ceil(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::ceil(x);
  return SFN_OK;
}
int math_round(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::round(x);
  return SFN_OK;
}
int math_trunc(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::trunc(x);
  return SFN_OK;
}
int math_clamp(Ctx& c, const sfn_loc& l, double& out, double x, double lo, double hi) {
  if (!(lo <= hi)) return c.raised("math.clamp: lo > hi", l);
  out = std::isnan(x) ? x : x < lo ? lo : x > hi ? hi : x;
  return SFN_OK;
}
int math_hash(Ctx&, const sfn_loc&, std::int64_t& out, const sfn_str& s) {
  const std::uint64_t h = bits::fnv1a(abi::view(s));
  out = static_cast<std::int64_t>(h & 0x7fffffffffffffffull);
  return SFN_OK;
}
int math_exp(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::exp(x);
  return SFN_OK;
}
int math_ln(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::log(x);
  return SFN_OK;
}
int math_log10(Ctx&, const sfn_loc&, double& out, double x) {
  out = std::log10(x);
  return SFN_OK;
}
int math_pi(Ctx&, const sfn_loc&, double& out) {
  out = 3.141592653589793;
  return SFN_OK;
}
int math_is_nan(Ctx&, const sfn_loc&, std::uint8_t& out, double x) {
  out = std::isnan(x) ? 1 : 0;
  return SFN_OK;
}
int math_is_finite(Ctx&, const sfn_loc&, std::uint8_t& out, double x) {
  out = std::isfinite(x) ? 1 : 0;
  return SFN_OK;
}

}  // namespace sfn::stdlib

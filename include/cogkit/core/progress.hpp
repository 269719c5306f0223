// cogkit/core/progress.hpp — progress reporting shared by every step, and cancellation.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace cogkit {

// Called with the current step id ("reproject", "fill", "clip", "write", ...) and
// the fraction of that step done, in [0, 1]. May be called from worker threads,
// never concurrently. Empty = silent.
//
// The callback returns void (it only reports) or bool: false cancels the run. The step
// in progress stops at its next tile, strip or GDAL progress call, every temporary file
// is removed, nothing is written at the output, and the call throws cogkit::cancelled
// (core/error.hpp). Calling a ProgressFn returns false when the callback asked to stop.
namespace detail {
template <class F>
struct is_std_function : std::false_type {};
template <class R, class... A>
struct is_std_function<std::function<R(A...)>> : std::true_type {};
}  // namespace detail

class ProgressFn {
  template <class F>
  static constexpr bool nullable = std::is_pointer_v<F> || detail::is_std_function<F>::value;

 public:
  ProgressFn() = default;
  ProgressFn(std::nullptr_t) {}  // NOLINT: as std::function
  template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, ProgressFn> && std::invocable<F&, std::string_view, double>)
  ProgressFn(F f) {  // NOLINT: implicit, so lambdas pass as before
    if constexpr (nullable<F>)
      if (!f) return;  // an empty std::function or a null pointer stays empty
    if constexpr (std::is_void_v<std::invoke_result_t<F&, std::string_view, double>>)
      fn_ = [f = std::move(f)](std::string_view s, double x) mutable {
        f(s, x);
        return true;
      };
    else
      fn_ = [f = std::move(f)](std::string_view s, double x) mutable { return static_cast<bool>(f(s, x)); };
  }

  // Reports; false = cancel. An empty ProgressFn always returns true.
  bool operator()(std::string_view step, double fraction) const { return !fn_ || fn_(step, fraction); }
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

 private:
  std::function<bool(std::string_view, double)> fn_;
};

// Reports progress and throws cogkit::cancelled when the callback returns false:
// for cogkit's own loops, between tiles, strips and rows.
void report_progress(const ProgressFn& progress, std::string_view step, double fraction);

}  // namespace cogkit

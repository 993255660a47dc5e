#include "compiler/continuation_safety.h"

#include <utility>

namespace eta::compiler {
namespace {

// HasNonTailCall walks one lambda's body (not the bodies of the lambdas it
// makes, which are frames of their own) with an explicit stack, following
// the code generator's tail positions.
bool HasNonTailCall(const Lambda& lambda) {
  // The module body's last expression is compiled as a plain call.
  bool body_is_tail = lambda.parent != nullptr;
  std::vector<std::pair<const Node*, bool>> pending = {{lambda.body.get(), body_is_tail}};
  while (!pending.empty()) {
    auto [n, tail] = pending.back();
    pending.pop_back();
    switch (n->kind) {
      case Node::Kind::kCall:
        if (!tail) return true;
        for (const auto& child : n->children) pending.push_back({child.get(), false});
        break;
      case Node::Kind::kIf:
        pending.push_back({n->children[0].get(), false});
        pending.push_back({n->children[1].get(), tail});
        pending.push_back({n->children[2].get(), tail});
        break;
      case Node::Kind::kSequence:
        for (size_t i = 0; i < n->children.size(); ++i) {
          bool last = i + 1 == n->children.size();
          pending.push_back({n->children[i].get(), tail && last});
        }
        break;
      case Node::Kind::kLambda:
        break;
      default:
        for (const auto& child : n->children) pending.push_back({child.get(), false});
        break;
    }
  }
  return false;
}

}  // namespace

void MarkCaptureFrames(const std::vector<std::unique_ptr<Lambda>>& lambdas) {
  for (const auto& lambda : lambdas) {
    lambda->may_capture_continuation = HasNonTailCall(*lambda);
  }
}

}  // namespace eta::compiler

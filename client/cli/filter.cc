#include "client/cli/filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <regex>
#include <vector>

#include "client/cli/cli.h"

namespace cte::cli {

using Json = nlohmann::json;

struct Filter::Node {
  enum class Kind { kAnd, kOr, kNot, kTerm } kind = Kind::kTerm;
  std::unique_ptr<Node> left, right;  // kAnd, kOr; kNot uses left.
  std::string key, op, operand;       // kTerm.
  std::optional<std::regex> regex;    // kTerm: the compiled pattern of =, !=, :, ~, !~.
};

namespace {

using Node = Filter::Node;

[[noreturn]] void Bad(const std::string& what) { throw UsageError("--filter: " + what); }

// Words, with ( and ) apart and quotes removed ("a b" is one word).
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')') {
      out.emplace_back(1, c);
      ++i;
    } else {
      std::string word;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             text[i] != '(' && text[i] != ')') {
        if (text[i] == '"' || text[i] == '\'') {
          size_t end = text.find(text[i], i + 1);
          if (end == std::string::npos) Bad("unterminated quote in [" + text + "]");
          word += text.substr(i + 1, end - i - 1);
          i = end + 1;
        } else {
          word += text[i++];
        }
      }
      out.push_back(word);
    }
  }
  return out;
}

constexpr const char* kOperators[] = {"!~", "!=", "<=", ">=", "=", ":", "<", ">", "~"};

// The first operator in `word` and where it is.
std::optional<std::pair<size_t, std::string>> FindOperator(const std::string& word) {
  size_t at = word.find_first_of("!=<>:~");
  if (at == std::string::npos) return std::nullopt;
  for (const char* op : kOperators) {
    if (word.compare(at, std::string_view(op).size(), op) == 0) return std::pair(at, op);
  }
  return std::nullopt;
}

std::string EscapeRegex(const std::string& text) {
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, kSpecial, R"(\$&)");
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::unique_ptr<Node> MakeTerm(std::string key, std::string op, std::string operand) {
  if (key.empty()) Bad("a term needs a key before " + op);
  auto n = std::make_unique<Node>();
  n->key = std::move(key);
  n->op = std::move(op);
  n->operand = std::move(operand);
  auto flags = std::regex::ECMAScript;
  if (n->op == "~" || n->op == "!~") {
    try {
      n->regex.emplace(n->operand, flags);
    } catch (const std::regex_error&) {
      Bad("not a regular expression: [" + n->operand + "]");
    }
  } else if (n->op == "=" || n->op == "!=" || n->op == ":") {
    std::string word = Lower(n->operand);
    bool prefix = n->op == ":" && word.size() > 1 && word.back() == '*';
    if (prefix) word.pop_back();
    n->regex.emplace("\\b" + EscapeRegex(word) + (prefix ? "" : "\\b"), flags | std::regex::icase);
  }
  return n;
}

class Parser {
 public:
  explicit Parser(std::vector<std::string> tokens) : t_(std::move(tokens)) {}

  std::unique_ptr<Node> Expression() {
    auto left = Conjunction();
    while (Peek() == "OR") {
      ++i_;
      left = Join(Node::Kind::kOr, std::move(left), Conjunction());
    }
    return left;
  }
  bool Done() const { return i_ >= t_.size(); }
  const std::string& Peek() const {
    static const std::string kEnd;
    return Done() ? kEnd : t_[i_];
  }

 private:
  static std::unique_ptr<Node> Join(Node::Kind kind, std::unique_ptr<Node> a,
                                    std::unique_ptr<Node> b) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->left = std::move(a);
    n->right = std::move(b);
    return n;
  }

  std::unique_ptr<Node> Conjunction() {
    auto left = Unary();
    while (!Done() && Peek() != "OR" && Peek() != ")") {
      if (Peek() == "AND") ++i_;
      left = Join(Node::Kind::kAnd, std::move(left), Unary());
    }
    return left;
  }

  std::unique_ptr<Node> Unary() {
    if (Done()) Bad("an expression ends too early");
    if (Peek() == "NOT" || (Peek().size() > 1 && Peek()[0] == '-')) {
      if (Peek() == "NOT") {
        ++i_;
      } else {
        t_[i_].erase(0, 1);
      }
      return Join(Node::Kind::kNot, Unary(), nullptr);
    }
    if (Peek() == "(") {
      ++i_;
      auto inner = Expression();
      if (Peek() != ")") Bad("a ( is not closed");
      ++i_;
      return inner;
    }
    return Term();
  }

  // key OP value, written as one word or apart ("state = RUNNING").
  std::unique_ptr<Node> Term() {
    std::string word = t_[i_++];
    if (word == ")" || word == "AND" || word == "OR") Bad("unexpected [" + word + "]");
    if (!FindOperator(word) && !Done() && FindOperator(Peek()) &&
        FindOperator(Peek())->first == 0) {
      word += t_[i_++];
    }
    auto op = FindOperator(word);
    if (!op) Bad("a term is KEY OPERATOR VALUE, not [" + word + "]");
    std::string operand = word.substr(op->first + op->second.size());
    if (operand.empty() && !Done() && Peek() != ")" && Peek() != "AND" && Peek() != "OR") {
      operand = t_[i_++];
    }
    if (operand == "(") Bad("value lists, KEY:(A B), are not supported: write KEY:A OR KEY:B");
    return MakeTerm(word.substr(0, op->first), op->second, operand);
  }

  std::vector<std::string> t_;
  size_t i_ = 0;
};

std::optional<double> Number(const std::string& text) {
  double out = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return out;
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    std::string s = v.dump();  // 200.0 reads as 200, as gcloud strips the trailing .0.
    return s.size() > 2 && s.ends_with(".0") ? s.substr(0, s.size() - 2) : s;
  }
  return v.dump();
}

bool Compare(const Json& v, const Node& n) {
  const std::string& op = n.op;
  if (op == "~" || op == "!~") {
    bool found = !v.is_null() && std::regex_search(Text(v), *n.regex);
    return op == "~" ? found : !found;
  }
  if (op == "=" || op == "!=" || op == ":") {
    bool match = false;
    if (op == ":" && n.operand == "*") {
      match = !v.is_null() && !(v.is_string() && v.get<std::string>().empty());
    } else if (v.is_null()) {
      match = n.operand.empty();
    } else if (v.is_number() && Number(n.operand)) {
      match = v.get<double>() == *Number(n.operand);
    } else {
      match = std::regex_search(Text(v), *n.regex);
    }
    return op == "!=" ? !match : match;
  }
  if (v.is_null()) return false;
  auto a = v.is_number() ? std::optional(v.get<double>()) : Number(Text(v));
  auto b = Number(n.operand);
  int order = a && b ? (*a < *b ? -1 : *a > *b ? 1 : 0) : Text(v).compare(n.operand);
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

bool Evaluate(const Node& n, const Json& resource) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      return Evaluate(*n.left, resource) && Evaluate(*n.right, resource);
    case Node::Kind::kOr:
      return Evaluate(*n.left, resource) || Evaluate(*n.right, resource);
    case Node::Kind::kNot:
      return !Evaluate(*n.left, resource);
    case Node::Kind::kTerm:
      break;
  }
  const Json& v = ValueAt(resource, n.key);
  if (!v.is_array()) return Compare(v, n);
  bool negative = n.op == "!=" || n.op == "!~";  // Not equal: to none of the items.
  auto test = [&](const Json& item) { return Compare(item, n); };
  return negative ? std::all_of(v.begin(), v.end(), test) : std::any_of(v.begin(), v.end(), test);
}

}  // namespace

const Json& ValueAt(const Json& resource, const std::string& key) {
  static const Json kNull;
  const Json* at = &resource;
  size_t start = 0;
  while (start <= key.size()) {
    size_t dot = std::min(key.find('.', start), key.size());
    std::string part = key.substr(start, dot - start);
    if (!at->is_object() || !at->contains(part)) return kNull;
    at = &(*at)[part];
    start = dot + 1;
  }
  return *at;
}

Filter::Filter(const std::string& expression) {
  Parser parser(Tokens(expression));
  if (parser.Done()) return;
  root_ = parser.Expression();
  if (!parser.Done()) Bad("unexpected [" + parser.Peek() + "]");
}

Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;

bool Filter::Matches(const Json& resource) const {
  return root_ == nullptr || Evaluate(*root_, resource);
}

}  // namespace cte::cli

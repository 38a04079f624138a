; TypeScript additions: class names are type identifiers, and annotations type locals.
(class_declaration
  name: (type_identifier) @name
  (class_heritage (extends_clause value: (_) @base))?) @definition.class
(abstract_class_declaration
  name: (type_identifier) @name
  (class_heritage (extends_clause value: (_) @base))?) @definition.class
; ``namespace util { export function f() {} }``: ``util.f``, reached as ``util.f()``.
(internal_module name: (identifier) @name) @definition.namespace
(required_parameter
  pattern: (identifier) @var
  type: (type_annotation (type_identifier) @type)) @bind
(optional_parameter
  pattern: (identifier) @var
  type: (type_annotation (type_identifier) @type)) @bind
(variable_declarator
  name: (identifier) @var
  type: (type_annotation (type_identifier) @type)) @bind
(export_statement "default" declaration:
  (class_declaration name: (type_identifier) @name)) @import.export_default
(public_field_definition
  name: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(required_parameter pattern: (identifier) @var !type) @bind

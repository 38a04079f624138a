; Plain JavaScript only (TypeScript names these nodes differently).
(field_definition
  property: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(class_declaration
  name: (identifier) @name
  (class_heritage (_) @base)?) @definition.class
(export_statement "default"
  declaration: (class_declaration name: (identifier) @name)) @import.export_default
(formal_parameters (identifier) @var) @bind
(variable_declarator
  name: (identifier) @var
  value: (call_expression function: [(identifier) (member_expression)] @type)) @bind
(variable_declarator
  name: (identifier) @var
  value: [(identifier) (member_expression)] @value) @bind

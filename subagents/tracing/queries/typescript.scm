; TypeScript additions: class names are type identifiers, and annotations type locals.
(class_declaration
  name: (type_identifier) @name
  (class_heritage (extends_clause value: (_) @base))?) @definition.class
(abstract_class_declaration
  name: (type_identifier) @name
  (class_heritage (extends_clause value: (_) @base))?) @definition.class
; ``namespace util { export function f() {} }``: ``util.f``, reached as ``util.f()``.
(internal_module name: (identifier) @name) @definition.namespace
; Types from annotations: ``Foo``, ``ns.Foo``, ``Foo<T>`` name the class ``Foo``.
(required_parameter pattern: (identifier) @var
  type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type)])) @bind
(optional_parameter pattern: (identifier) @var
  type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type)])) @bind
(variable_declarator name: (identifier) @var
  type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type)])) @bind
(public_field_definition name: (property_identifier) @var
  type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type)])) @bind
; ``type Any = Base<any>``: a value of type ``Any`` is a ``Base``.
(type_alias_declaration
  name: (type_identifier) @var
  value: [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type)]) @bind
; Unannotated: a call's result (``const s = z.string()``) or a value (``const f = A.create``).
(variable_declarator
  name: (identifier) @var
  !type
  value: (call_expression function: [(identifier) (member_expression)] @type)) @bind
(variable_declarator
  name: (identifier) @var
  !type
  value: [(identifier) (member_expression)] @value) @bind
; What a function or method returns: its annotation (``: this`` is its receiver).
(function_declaration
  return_type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type) (this_type) @type])) @returns
(method_definition
  return_type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type) (this_type) @type])) @returns
(arrow_function
  return_type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type) (this_type) @type])) @returns
(function_expression
  return_type: (type_annotation [(type_identifier) @type (nested_type_identifier) @type
    (generic_type name: (_) @type) (this_type) @type])) @returns
; A getter is read like an attribute, as a Python property is.
(method_definition "get" name: (property_identifier)) @getter
; An abstract method is declared without a body; its overrides receive its calls.
(abstract_method_signature name: (property_identifier) @name) @definition.function
(abstract_method_signature) @abstract
(export_statement "default" declaration:
  (class_declaration name: (type_identifier) @name)) @import.export_default
(public_field_definition
  name: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function
(required_parameter pattern: (identifier) @var !type) @bind

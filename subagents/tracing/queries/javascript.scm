; JavaScript, also the base of TypeScript and TSX (only node types all three share).
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (property_identifier) @name) @definition.function
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression
  object: (_) @receiver
  property: (property_identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.call
(new_expression constructor: (member_expression
  object: (_) @receiver
  property: (property_identifier) @name)) @reference.call
(member_expression
  object: (_) @receiver
  property: (property_identifier) @name) @reference.attribute
(arguments (identifier) @name @reference.value)
(pair value: (identifier) @name @reference.value)
(decorator (identifier) @name) @reference.decorator

(import_statement
  (import_clause (identifier) @alias)
  source: (string (string_fragment) @module)) @import.default
(import_statement
  (import_clause (named_imports (import_specifier
    name: (identifier) @name
    alias: (identifier)? @alias)))
  source: (string (string_fragment) @module)) @import.from
(import_statement
  (import_clause (namespace_import (identifier) @alias))
  source: (string (string_fragment) @module)) @import.module
(variable_declarator
  name: (identifier) @alias
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @module)))
  (#eq? @_require "require")) @import.module
(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @name)
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @module)))
  (#eq? @_require "require")) @import.from
(export_statement
  (export_clause (export_specifier name: (identifier) @name alias: (identifier)? @alias))
  source: (string (string_fragment) @module)) @import.from
(export_statement "*" source: (string (string_fragment) @module)) @import.star
(export_statement
  (namespace_export (identifier) @alias)
  source: (string (string_fragment) @module)) @import.module
(export_statement
  (export_clause (export_specifier name: (identifier) @name alias: (identifier) @alias))
  !source) @import.from
(export_statement "default" value: (identifier) @name) @import.export_default
(export_statement "default"
  declaration: (function_declaration name: (identifier) @name)) @import.export_default

(variable_declarator
  name: (identifier) @var
  value: (new_expression constructor: [(identifier) (member_expression)] @type)) @bind
(assignment_expression
  left: (member_expression) @var
  right: (new_expression constructor: [(identifier) (member_expression)] @type)) @bind

; What a function returns: a constructed or called type, or a value (``return this``).
(return_statement (new_expression constructor: [(identifier) (member_expression)] @type)) @returns
(return_statement (call_expression function: [(identifier) (member_expression)] @type)) @returns
(return_statement [(identifier) (member_expression) (this)] @value) @returns
(arrow_function body: (new_expression constructor: [(identifier) (member_expression)] @type)) @returns
(arrow_function body: (call_expression function: [(identifier) (member_expression)] @type)) @returns

; Definitions. Classes capture their plain base-class expressions (not keywords).
(function_definition
  name: (identifier) @name) @definition.function

(class_definition
  name: (identifier) @name
  superclasses: (argument_list
    [(identifier) (attribute)]* @base)?) @definition.class

(decorated_definition
  (decorator [(identifier) (attribute) (call function: (_))] @decorator)
  definition: (_) @decorated)

; References: calls, decorators, attribute reads and functions passed as values.
(call
  function: (identifier) @name) @reference.call

(call
  function: (attribute
    object: (_) @receiver
    attribute: (identifier) @name)) @reference.call

(decorator (identifier) @name) @reference.decorator

(decorator (attribute
  object: (_) @receiver
  attribute: (identifier) @name)) @reference.decorator

(attribute
  object: (_) @receiver
  attribute: (identifier) @name) @reference.attribute

(argument_list (identifier) @name @reference.value)
(keyword_argument value: (identifier) @name @reference.value)
(assignment right: (identifier) @name @reference.value)
(return_statement (identifier) @name @reference.value)
(list (identifier) @name @reference.value)
(tuple (identifier) @name @reference.value)
(pair value: (identifier) @name @reference.value)

; Imports.
(import_statement name: (dotted_name) @module) @import.module

(import_statement name: (aliased_import
  name: (dotted_name) @module
  alias: (identifier) @alias)) @import.module

(import_from_statement
  module_name: (_) @module
  name: (dotted_name) @name) @import.from

(import_from_statement
  module_name: (_) @module
  name: (aliased_import
    name: (dotted_name) @name
    alias: (identifier) @alias)) @import.from

(import_from_statement
  module_name: (_) @module
  (wildcard_import)) @import.star

; Local type evidence: annotations (first: they win over the assigned call), constructor
; assignments and with-targets.
(assignment
  left: (identifier) @var
  type: (type [(identifier) (attribute)] @type)) @bind

(assignment
  left: [(identifier) (attribute)] @var
  right: (call function: [(identifier) (attribute)] @type)) @bind

(with_item value: (as_pattern
  (call function: [(identifier) (attribute)] @type)
  alias: (as_pattern_target (identifier) @var))) @bind

(typed_parameter
  (identifier) @var
  type: (type [(identifier) (attribute)] @type)) @bind

(typed_default_parameter
  name: (identifier) @var
  type: (type [(identifier) (attribute)] @type)) @bind

; Untyped parameters shadow module-level names (a pytest fixture named like a function).
(parameters (identifier) @var) @bind
(parameters (default_parameter name: (identifier) @var)) @bind

; Return types: an annotation or a returned constructor/function call (a type, whose
; instance is returned), and a returned name or attribute (a value, returned as it is).
(function_definition
  return_type: (type [(identifier) (attribute)] @type)) @returns

(return_statement (call function: [(identifier) (attribute)] @type)) @returns

(return_statement [(identifier) (attribute)] @value) @returns

; ``self.app = app``: the attribute takes the type the assigned name has in that scope.
(assignment
  left: (attribute) @var
  right: (identifier) @value) @alias

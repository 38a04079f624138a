; Java: classes, interfaces, enums and records are classes; calls without a receiver
; use the implicit ``this`` (the resolver adds it).
(package_declaration (scoped_identifier) @package)
(package_declaration (identifier) @package)

(class_declaration
  name: (identifier) @name
  superclass: (superclass (type_identifier) @base)?) @definition.class
(class_declaration
  name: (identifier) @name
  interfaces: (super_interfaces (type_list (type_identifier) @base))) @definition.class
(interface_declaration name: (identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(method_declaration name: (identifier) @name) @definition.function
(constructor_declaration name: (identifier) @name) @definition.function

(method_invocation object: (_) @receiver name: (identifier) @name) @reference.call
(method_invocation !object name: (identifier) @name) @reference.call
(object_creation_expression type: (type_identifier) @name) @reference.call
(field_access object: (_) @receiver field: (identifier) @name) @reference.attribute
(marker_annotation name: (identifier) @name) @reference.decorator
(annotation name: (identifier) @name) @reference.decorator
(argument_list (identifier) @name @reference.value)

(import_declaration (scoped_identifier) @module (asterisk)) @import.star
(import_declaration (scoped_identifier) @module .) @import.module

(local_variable_declaration
  type: (type_identifier) @type
  declarator: (variable_declarator name: (identifier) @var)) @bind
(field_declaration
  type: (type_identifier) @type
  declarator: (variable_declarator name: (identifier) @var)) @bind
(formal_parameter type: (type_identifier) @type name: (identifier) @var) @bind

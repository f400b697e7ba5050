// Importing this module registers every kind with the registry.
import './policy/index.js';
export {};

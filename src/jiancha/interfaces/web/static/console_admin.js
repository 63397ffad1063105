// Console views of this area; see console.js for the contract.
export const views = {};

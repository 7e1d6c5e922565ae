// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity >=0.8.0;

// A stand-in for ds-test's `src/test.sol`, written for leash's tests.
//
// The npm package forge-std@1.1.2 (the forge-std leash's tests compile against) imports
// "ds-test/test.sol" but does not ship it. This file declares the same contract surface as
// ds-test's `DSTest` (events, `IS_TEST`, `failed()`, `fail()`, `assertTrue` and the `assertEq*`,
// `assertGt*`, `assertGe*`, `assertLt*`, `assertLe*` families with the same signatures), so that
// code written against forge-std's `Test` type-checks the same way. It is used only to compile,
// never to run tests; a real Foundry project gets ds-test (or a newer forge-std without it)
// from its own `lib/`.
contract DSTest {
    event log(string);
    event logs(bytes);
    event log_address(address);
    event log_bytes32(bytes32);
    event log_int(int256);
    event log_uint(uint256);
    event log_bytes(bytes);
    event log_string(string);
    event log_named_address(string key, address val);
    event log_named_bytes32(string key, bytes32 val);
    event log_named_decimal_int(string key, int256 val, uint256 decimals);
    event log_named_decimal_uint(string key, uint256 val, uint256 decimals);
    event log_named_int(string key, int256 val);
    event log_named_uint(string key, uint256 val);
    event log_named_bytes(string key, bytes val);
    event log_named_string(string key, string val);

    bool public IS_TEST = true;
    bool private _failed;

    address constant HEVM_ADDRESS = address(bytes20(uint160(uint256(keccak256("hevm cheat code")))));

    modifier mayRevert() {
        _;
    }

    modifier testopts(string memory) {
        _;
    }

    modifier logs_gas() {
        _;
    }

    function failed() public view returns (bool) {
        return _failed;
    }

    function fail() internal {
        _failed = true;
    }

    function _check(bool ok, string memory err) private {
        if (!ok) {
            emit log_named_string("Error", err);
            fail();
        }
    }

    function assertTrue(bool condition) internal {
        _check(condition, "Assertion Failed");
    }

    function assertTrue(bool condition, string memory err) internal {
        _check(condition, err);
    }

    function assertEq(address a, address b) internal {
        _check(a == b, "a == b not satisfied [address]");
    }

    function assertEq(address a, address b, string memory err) internal {
        _check(a == b, err);
    }

    function assertEq(bytes32 a, bytes32 b) internal {
        _check(a == b, "a == b not satisfied [bytes32]");
    }

    function assertEq(bytes32 a, bytes32 b, string memory err) internal {
        _check(a == b, err);
    }

    function assertEq32(bytes32 a, bytes32 b) internal {
        assertEq(a, b);
    }

    function assertEq32(bytes32 a, bytes32 b, string memory err) internal {
        assertEq(a, b, err);
    }

    function assertEq(int256 a, int256 b) internal {
        _check(a == b, "a == b not satisfied [int]");
    }

    function assertEq(int256 a, int256 b, string memory err) internal {
        _check(a == b, err);
    }

    function assertEq(uint256 a, uint256 b) internal {
        _check(a == b, "a == b not satisfied [uint]");
    }

    function assertEq(uint256 a, uint256 b, string memory err) internal {
        _check(a == b, err);
    }

    function assertEqDecimal(int256 a, int256 b, uint256) internal {
        assertEq(a, b);
    }

    function assertEqDecimal(int256 a, int256 b, uint256, string memory err) internal {
        assertEq(a, b, err);
    }

    function assertEqDecimal(uint256 a, uint256 b, uint256) internal {
        assertEq(a, b);
    }

    function assertEqDecimal(uint256 a, uint256 b, uint256, string memory err) internal {
        assertEq(a, b, err);
    }

    function assertGt(uint256 a, uint256 b) internal {
        _check(a > b, "a > b not satisfied [uint]");
    }

    function assertGt(uint256 a, uint256 b, string memory err) internal {
        _check(a > b, err);
    }

    function assertGt(int256 a, int256 b) internal {
        _check(a > b, "a > b not satisfied [int]");
    }

    function assertGt(int256 a, int256 b, string memory err) internal {
        _check(a > b, err);
    }

    function assertGe(uint256 a, uint256 b) internal {
        _check(a >= b, "a >= b not satisfied [uint]");
    }

    function assertGe(uint256 a, uint256 b, string memory err) internal {
        _check(a >= b, err);
    }

    function assertGe(int256 a, int256 b) internal {
        _check(a >= b, "a >= b not satisfied [int]");
    }

    function assertGe(int256 a, int256 b, string memory err) internal {
        _check(a >= b, err);
    }

    function assertLt(uint256 a, uint256 b) internal {
        _check(a < b, "a < b not satisfied [uint]");
    }

    function assertLt(uint256 a, uint256 b, string memory err) internal {
        _check(a < b, err);
    }

    function assertLt(int256 a, int256 b) internal {
        _check(a < b, "a < b not satisfied [int]");
    }

    function assertLt(int256 a, int256 b, string memory err) internal {
        _check(a < b, err);
    }

    function assertLe(uint256 a, uint256 b) internal {
        _check(a <= b, "a <= b not satisfied [uint]");
    }

    function assertLe(uint256 a, uint256 b, string memory err) internal {
        _check(a <= b, err);
    }

    function assertLe(int256 a, int256 b) internal {
        _check(a <= b, "a <= b not satisfied [int]");
    }

    function assertLe(int256 a, int256 b, string memory err) internal {
        _check(a <= b, err);
    }

    function assertEq(string memory a, string memory b) internal {
        _check(keccak256(bytes(a)) == keccak256(bytes(b)), "a == b not satisfied [string]");
    }

    function assertEq(string memory a, string memory b, string memory err) internal {
        _check(keccak256(bytes(a)) == keccak256(bytes(b)), err);
    }

    function assertEq0(bytes memory a, bytes memory b) internal {
        _check(keccak256(a) == keccak256(b), "a == b not satisfied [bytes]");
    }

    function assertEq0(bytes memory a, bytes memory b, string memory err) internal {
        _check(keccak256(a) == keccak256(b), err);
    }
}

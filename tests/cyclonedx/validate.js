// Validates CycloneDX JSON documents against the official schema (strict,
// with the SPDX licence and JSF definitions) through the CycloneDX project's
// own validator, @cyclonedx/cyclonedx-library's JsonStrictValidator.
// Usage: node validate.js SPEC_VERSION FILE...   Exit 0: all valid, 1: one
// or more invalid (the schema's errors on stderr), 2: usage or I/O.
'use strict';
const fs = require('fs');
const { Spec, Validation } = require('@cyclonedx/cyclonedx-library');

async function main(argv) {
        if (argv.length < 2) {
                console.error('usage: node validate.js SPEC_VERSION FILE...');
                return 2;
        }
        const version = Spec.Version[Object.keys(Spec.Version).find((k) => Spec.Version[k] === argv[0])];
        if (!version) {
                console.error(`unknown CycloneDX version ${argv[0]}`);
                return 2;
        }
        const validator = new Validation.JsonStrictValidator(version);
        let bad = 0;
        for (const file of argv.slice(1)) {
                const errors = await validator.validate(fs.readFileSync(file, 'utf8'));
                if (errors === null) {
                        console.log(`${file}: valid CycloneDX ${version}`);
                } else {
                        console.error(`${file}: INVALID: ${JSON.stringify(errors, null, 1)}`);
                        bad++;
                }
        }
        return bad ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
        console.error(String(e));
        process.exit(2);
});

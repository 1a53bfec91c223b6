import { describe, expect, it } from 'vitest';
import { isEnumType, isInputObjectType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { createSchema } from '../src/schema/index.js';

/** Every named thing of the public contract, with its description (GraphiQL users rely on them). */
function describedThings(): Array<[string, string | null | undefined]> {
  const things: Array<[string, string | null | undefined]> = [];
  for (const type of Object.values(createSchema().getTypeMap())) {
    // `_`-prefixed names and `link__` scalars are Federation's machinery, described by its spec, not ours.
    if (type.name.startsWith('_') || type.name.startsWith('link__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    things.push([type.name, type.description]);
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields()).filter((field) => !field.name.startsWith('_'))) {
        things.push([`${type.name}.${field.name}`, field.description]);
        for (const arg of field.args) things.push([`${type.name}.${field.name}(${arg.name})`, arg.description]);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) things.push([`${type.name}.${field.name}`, field.description]);
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) things.push([`${type.name}.${value.name}`, value.description]);
    }
  }
  return things;
}

describe('schema documentation', () => {
  it('covers the whole public contract', () => {
    const names = describedThings().map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['Mutation.getSelfieToken(input)', 'IdCardType.TAIWAN_ID_CARD', 'ApplyEkycTokenInput.compareImage']));
  });

  it.each(describedThings())('describes %s', (_name, description) => {
    expect(description?.trim().length ?? 0).toBeGreaterThan(8);
  });

  it.each([
    ['GetSelfieTokenInput.checkMode', /default/i],
    ['GetSelfieTokenInput.securityLevel', /Default MOTION_AND_REFLECTION/],
    ['GetSelfieTokenInput.retryLimit', /Default 5/],
    ['GetSelfieTokenInput.sdkVersion', /Default BASIC/],
    ['ApplyEkycTokenInput.idCardType', /Default HONG_KONG_ID_CARD/],
    ['ApplyEkycTokenInput.checkMode', /Default OCR_LIVENESS_AND_COMPARE/],
    ['ApplyEkycTokenInput.disableCheckOcrWarnings', /Default false/],
  ])("states Tencent's default in %s", (name, pattern) => {
    const description = new Map(describedThings()).get(name);
    expect(description).toMatch(pattern);
  });
});

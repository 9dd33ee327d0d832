/** ApiVersions: the APIs and version ranges a broker serves; the first request of most clients. */
import { api, arrayOf, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

export const ApiVersions = api({
  key: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexible: '3+',
  request: {
    clientSoftwareName: string().v('3+'),
    clientSoftwareVersion: string().v('3+'),
  },
  response: {
    errorCode: int16(),
    apiKeys: arrayOf({ apiKey: int16(), minVersion: int16(), maxVersion: int16() }),
    throttleTimeMs: int32().v('1+'),
    supportedFeatures: arrayOf({ name: string().v('3+'), minVersion: int16().v('3+'), maxVersion: int16().v('3+') })
      .v('3+')
      .tag(0, '3+'),
    finalizedFeaturesEpoch: int64().v('3+').tag(1, '3+').dflt(-1),
    finalizedFeatures: arrayOf({
      name: string().v('3+'),
      maxVersionLevel: int16().v('3+'),
      minVersionLevel: int16().v('3+'),
    })
      .v('3+')
      .tag(2, '3+'),
    zkMigrationReady: bool().v('3+').tag(3, '3+'),
  },
});

export type ApiVersionsRequest = RequestOf<typeof ApiVersions>;
export type ApiVersionsResponse = ResponseOf<typeof ApiVersions>;

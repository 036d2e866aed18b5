// Apollo Client 3 (HttpLink on Node's fetch) runs a @defer query against the BFF given as argv[2]. After the first
// result it calls argv[3], which releases the test's slow service: so the merged result can only come from a later part.
// Prints the data of every result, as one JSON array.
import { ApolloClient, InMemoryCache, HttpLink, gql } from '@apollo/client/core/index.js';

const [uri, releaseUrl] = process.argv.slice(2);
const client = new ApolloClient({ link: new HttpLink({ uri }), cache: new InMemoryCache() });
const query = gql`
  query Home {
    me { id name }
    ... @defer(label: "rows") { rows { title } }
  }
`;
const results = [];
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('timed out after ' + JSON.stringify(results))), 15000);
  const sub = client.watchQuery({ query, fetchPolicy: 'network-only' }).subscribe({
    next: (r) => {
      results.push(r.data ?? null);
      if (results.length === 1) fetch(releaseUrl).catch(reject);
      if (r.data && r.data.rows) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      }
    },
    error: (e) => { clearTimeout(timer); reject(e); },
  });
});
console.log(JSON.stringify(results));

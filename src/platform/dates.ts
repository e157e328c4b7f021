// Dates as the site's pages and its emails show them: "31 January 2027", in UTC.
export const longDate = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

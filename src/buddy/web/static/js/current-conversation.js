// The conversation the chat continues. Its id survives a reload (store.js); it is made on the
// server only when the first question needs it, so "New conversation" leaves nothing empty.
import { conversationsApi } from './conversation-api.js';
import { prefs } from './store.js';

// Events: 'change' when another conversation (or none) becomes current, 'answered' when an
// answer in it ended (its title, size and place in the list may have changed).
export class CurrentConversation extends EventTarget {
  constructor() {
    super();
    this.id = prefs.conversation();
    this.title = '';
    this.choices = 0; // counts set/clear, so a late creation cannot undo a newer choice
  }

  set(conversation) {
    this.choices += 1;
    this.id = conversation.id;
    this.title = conversation.title ?? '';
    prefs.setConversation(conversation.id);
    this.dispatchEvent(new Event('change'));
  }

  clear() {
    this.choices += 1;
    this.id = null;
    this.title = '';
    prefs.setConversation(null);
    this.dispatchEvent(new Event('change'));
  }

  // The id to chat in, creating the conversation on the server the first time.
  async ensure() {
    if (this.id) return this.id;
    const choices = this.choices;
    const created = await conversationsApi.create();
    if (choices === this.choices) this.set(created);
    return created.id;
  }

  answered() {
    this.dispatchEvent(new Event('answered'));
  }
}
